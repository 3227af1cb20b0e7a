//! Features a tenant can switch off. A disabled feature disappears from
//! the web app and its endpoints and topics answer `404`, exactly as if
//! they did not exist.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// Contacts, companies, activities.
    Crm,
    /// Pipelines and deals.
    Sales,
    /// Tickets, queues, SLA policies, agents.
    Support,
    /// Live dashboards.
    Dashboards,
}

impl Feature {
    pub const ALL: [Feature; 4] = [Self::Crm, Self::Sales, Self::Support, Self::Dashboards];

    pub fn name(self) -> &'static str {
        match self {
            Self::Crm => "crm",
            Self::Sales => "sales",
            Self::Support => "support",
            Self::Dashboards => "dashboards",
        }
    }

    pub fn parse(s: &str) -> Option<Feature> {
        Self::ALL.into_iter().find(|f| f.name() == s)
    }

    /// The features a tenant API path (after `/api/v1`) belongs to: all
    /// of them must be on.
    pub fn of_path(tail: &str) -> Vec<Feature> {
        let mut seg = tail.trim_start_matches('/').split('/');
        let first = seg.next().unwrap_or("");
        match first {
            "contacts" | "companies" | "activities" => vec![Self::Crm],
            "pipelines" | "deals" => vec![Self::Sales],
            "tickets" | "queues" | "sla-policies" | "agents" | "workflows" | "canned-replies" => {
                vec![Self::Support]
            }
            "me" if seg.next() == Some("agent") => vec![Self::Support],
            "settings"
                if matches!(
                    seg.next(),
                    Some("business-calendar" | "support" | "canned-replies")
                ) =>
            {
                vec![Self::Support]
            }
            "dashboards" => match seg.next() {
                Some("sales") => vec![Self::Dashboards, Self::Sales],
                Some("support") => vec![Self::Dashboards, Self::Support],
                _ => vec![Self::Dashboards],
            },
            _ => Vec::new(),
        }
    }

    /// The features a record kind's topics belong to.
    pub fn of_kind(kind: &str) -> Option<Feature> {
        match kind {
            "contact" | "company" | "activity" => Some(Self::Crm),
            "pipeline" | "deal" => Some(Self::Sales),
            "ticket" | "comment" | "queue" | "sla_policy" => Some(Self::Support),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_their_features() {
        assert_eq!(Feature::of_path("/contacts/1"), [Feature::Crm]);
        assert_eq!(Feature::of_path("/me/agent"), [Feature::Support]);
        assert_eq!(Feature::of_path("/me"), []);
        assert_eq!(Feature::of_path("/settings/support"), [Feature::Support]);
        assert_eq!(Feature::of_path("/canned-replies"), [Feature::Support]);
        assert_eq!(
            Feature::of_path("/settings/canned-replies"),
            [Feature::Support]
        );
        assert_eq!(
            Feature::of_path("/dashboards/sales"),
            [Feature::Dashboards, Feature::Sales]
        );
        assert_eq!(Feature::of_path("/settings/features"), []);
        for f in Feature::ALL {
            assert_eq!(Feature::parse(f.name()), Some(f));
        }
    }
}
