//! Qualifications: what a person holds personally (licences, type training,
//! continuation training, competence assessments).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::error::{invalid, DomainResult};
use super::users::UserId;

pub type QualificationId = u32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum QualificationKind {
    Licence,
    TypeTraining,
    ContinuationTraining,
    CompetenceAssessment,
    Other,
}

impl QualificationKind {
    pub const ALL: [QualificationKind; 5] = [
        QualificationKind::Licence,
        QualificationKind::TypeTraining,
        QualificationKind::ContinuationTraining,
        QualificationKind::CompetenceAssessment,
        QualificationKind::Other,
    ];

    pub fn word(self) -> &'static str {
        match self {
            QualificationKind::Licence => "licence",
            QualificationKind::TypeTraining => "type-training",
            QualificationKind::ContinuationTraining => "continuation-training",
            QualificationKind::CompetenceAssessment => "competence-assessment",
            QualificationKind::Other => "other",
        }
    }

    pub fn parse(word: &str) -> DomainResult<Self> {
        let w = word.trim().to_ascii_lowercase().replace('_', "-");
        Self::ALL
            .into_iter()
            .find(|k| k.word() == w || (w == "license" && *k == QualificationKind::Licence))
            .ok_or_else(|| {
                invalid(format!(
                    "unknown qualification kind '{}' (use licence, type-training, continuation-training, competence-assessment, other)",
                    super::text::sanitize(word)
                ))
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Qualification {
    pub id: QualificationId,
    pub holder: UserId,
    pub kind: QualificationKind,
    /// Licence or certificate number.
    pub number: String,
    /// Licence categories, e.g. B1, B2.
    pub categories: Vec<String>,
    /// Type ratings or the type trained on, e.g. ATR72.
    pub type_ratings: Vec<String>,
    pub issued: NaiveDate,
    pub expires: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

impl Qualification {
    pub fn valid_on(&self, date: NaiveDate) -> bool {
        self.issued <= date && self.expires.is_none_or(|e| date <= e)
    }

    pub fn describe(&self) -> String {
        let mut s = format!("{} {}", self.kind.word(), self.number);
        if !self.categories.is_empty() {
            s.push_str(&format!(" [{}]", self.categories.join(",")));
        }
        if !self.type_ratings.is_empty() {
            s.push_str(&format!(" ({})", self.type_ratings.join(",")));
        }
        s
    }
}
