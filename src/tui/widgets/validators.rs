//! Validators of form fields: each takes the field's text and says what is
//! wrong with it, shown under the field as it is typed.

use chrono::NaiveDate;

use crate::domain::text;

pub fn any(_: &str) -> Result<(), String> {
    Ok(())
}

pub fn required(s: &str) -> Result<(), String> {
    text::required_text("this field", s)
        .map(|_| ())
        .map_err(|e| e.to_string().replace("this field ", ""))
}

pub fn optional_text(s: &str) -> Result<(), String> {
    if s.is_empty() {
        Ok(())
    } else {
        required(s)
    }
}

pub fn optional_email(s: &str) -> Result<(), String> {
    if s.is_empty() {
        Ok(())
    } else {
        text::email(s).map(|_| ()).map_err(|e| e.to_string())
    }
}

pub fn optional_login(s: &str) -> Result<(), String> {
    if s.is_empty() {
        Ok(())
    } else {
        text::login(s).map(|_| ()).map_err(|e| e.to_string())
    }
}

pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| "use YYYY-MM-DD".to_string())
}

pub fn date(s: &str) -> Result<(), String> {
    parse_date(s).map(|_| ())
}

pub fn optional_date(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        Ok(())
    } else {
        date(s)
    }
}

pub fn optional_date_value(s: &str) -> Option<NaiveDate> {
    parse_date(s).ok()
}

/// Comma-separated list; each entry must be sane text.
pub fn list(s: &str) -> Result<(), String> {
    split_list(s).iter().try_for_each(|x| required(x))
}

pub fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

pub fn ata_list(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        return Ok(());
    }
    crate::domain::authorizations::parse_ata_ranges(s)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

pub fn optional_ata(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        return Ok(());
    }
    crate::domain::authorizations::parse_ata(s)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

pub fn aircraft_type(s: &str) -> Result<(), String> {
    crate::domain::authorizations::AircraftType::parse(s)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

pub fn aircraft_types(s: &str) -> Result<(), String> {
    split_list(s).iter().try_for_each(|t| aircraft_type(t))
}
