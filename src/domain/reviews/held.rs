//! How the organisation holds campaigns and their items.
//!
//! A campaign's items are written when it starts as blocks of [`BLOCK`]
//! items (a campaign over 100k people has some 140k items: written one by
//! one they made starting it slow), and an item that changes afterwards —
//! reassigned, decided, closed — is written on its own, as it now is. The
//! item on its own, where there is one, is the item; else the block's.
//! Deciding an item so writes (and audits) one small record.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Campaign, CampaignId, ItemNo, ReviewItem};
use crate::domain::error::{unknown, DomainResult};
use crate::domain::text::sanitize;

/// How many items one block holds (a record stays well under the store's
/// 60 KiB: an item's texts are bounded).
pub const BLOCK: usize = 100;

/// Items `first`, `first + 1`, … of a campaign as it started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemBlock {
    pub campaign: CampaignId,
    pub first: ItemNo,
    pub items: Vec<ReviewItem>,
}

/// Every campaign and every item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reviews {
    pub campaigns: BTreeMap<CampaignId, Campaign>,
    /// The items as their campaigns started, by (campaign, first item).
    /// Written as lists (a JSON object's keys are strings, not pairs).
    #[serde(with = "blocks_as_list")]
    blocks: BTreeMap<(CampaignId, ItemNo), ItemBlock>,
    /// Items changed since, as they now are.
    #[serde(with = "items_as_list")]
    changed: BTreeMap<(CampaignId, ItemNo), ReviewItem>,
}

macro_rules! as_list {
    ($name:ident, $t:ty, $key:expr) => {
        mod $name {
            use std::collections::BTreeMap;

            use serde::{Deserialize, Deserializer, Serializer};

            #[allow(unused_imports)]
            use super::*;

            type Map = BTreeMap<(CampaignId, ItemNo), $t>;

            pub fn serialize<S: Serializer>(m: &Map, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(m.values())
            }

            pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Map, D::Error> {
                let list = Vec::<$t>::deserialize(d)?;
                Ok(list.into_iter().map(|v| ($key(&v), v)).collect())
            }
        }
    };
}

as_list!(blocks_as_list, ItemBlock, |b: &ItemBlock| (
    b.campaign, b.first
));
as_list!(items_as_list, ReviewItem, |i: &ReviewItem| i.key());

impl Reviews {
    /// An item as it now is.
    pub fn item(&self, campaign: CampaignId, no: ItemNo) -> Option<&ReviewItem> {
        if let Some(i) = self.changed.get(&(campaign, no)) {
            return Some(i);
        }
        let (_, b) = self.blocks.range(..=(campaign, no)).next_back()?;
        if b.campaign != campaign || no < b.first {
            return None;
        }
        b.items.get((no - b.first) as usize)
    }

    /// Whether the item has been written on its own since its campaign
    /// started (its record then is the item, else its block).
    pub fn is_changed(&self, campaign: CampaignId, no: ItemNo) -> bool {
        self.changed.contains_key(&(campaign, no))
    }

    /// The items of one campaign as they now are, in order.
    pub fn items_of(&self, id: CampaignId) -> impl Iterator<Item = &ReviewItem> + '_ {
        self.blocks
            .range((id, 0)..=(id, ItemNo::MAX))
            .flat_map(move |(_, b)| {
                b.items
                    .iter()
                    .map(move |i| self.changed.get(&(id, i.no)).unwrap_or(i))
            })
    }

    /// How many items of a campaign have no reviewer (every reviewer
    /// holds or gave them): an administrator reassigns them.
    pub fn unassigned(&self, id: CampaignId) -> usize {
        self.items_of(id).filter(|i| i.reviewer.is_none()).count()
    }

    /// Every item of every campaign as it now is.
    pub fn all_items(&self) -> impl Iterator<Item = &ReviewItem> + '_ {
        self.campaigns.keys().flat_map(|c| self.items_of(*c))
    }

    /// Items written on their own that no block holds (never the case in
    /// what the rules write: for checks of imported files).
    pub fn strays(&self) -> impl Iterator<Item = &ReviewItem> + '_ {
        self.changed.values().filter(|i| {
            self.blocks
                .range(..=(i.campaign, i.no))
                .next_back()
                .is_none_or(|(_, b)| {
                    b.campaign != i.campaign || (i.no - b.first) as usize >= b.items.len()
                })
        })
    }

    pub fn blocks(&self) -> impl Iterator<Item = &ItemBlock> + '_ {
        self.blocks.values()
    }

    pub fn changed(&self) -> impl Iterator<Item = &ReviewItem> + '_ {
        self.changed.values()
    }

    pub fn put_block(&mut self, b: ItemBlock) {
        self.blocks.insert((b.campaign, b.first), b);
    }

    pub fn remove_block(&mut self, campaign: CampaignId, first: ItemNo) {
        self.blocks.remove(&(campaign, first));
    }

    pub fn put_item(&mut self, i: ReviewItem) {
        self.changed.insert(i.key(), i);
    }

    pub fn remove_item(&mut self, campaign: CampaignId, no: ItemNo) {
        self.changed.remove(&(campaign, no));
    }

    /// Finds a campaign by id (`3` or `#3`) or by name (the latest of that
    /// name).
    pub fn resolve(&self, name: &str) -> DomainResult<&Campaign> {
        let n = name.trim();
        let by_id = n
            .strip_prefix('#')
            .unwrap_or(n)
            .parse::<CampaignId>()
            .ok()
            .and_then(|id| self.campaigns.get(&id));
        by_id
            .or_else(|| {
                self.campaigns
                    .values()
                    .rev()
                    .find(|c| c.name.eq_ignore_ascii_case(n))
            })
            .ok_or_else(|| unknown("campaign", sanitize(n)))
    }

    pub fn next_id(&self) -> CampaignId {
        self.campaigns.keys().next_back().copied().unwrap_or(0) + 1
    }
}

/// A new campaign's items in blocks.
pub fn into_blocks(campaign: CampaignId, items: Vec<ReviewItem>) -> Vec<ItemBlock> {
    let mut out = Vec::with_capacity(items.len().div_ceil(BLOCK));
    let mut items = items.into_iter().peekable();
    while let Some(first) = items.peek().map(|i| i.no) {
        let chunk: Vec<ReviewItem> = items.by_ref().take(BLOCK).collect();
        out.push(ItemBlock {
            campaign,
            first,
            items: chunk,
        });
    }
    out
}
