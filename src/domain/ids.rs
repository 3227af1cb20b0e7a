//! Typed ids where ids of different kinds meet in one signature: the
//! support engine passes a ticket's id, its queue's and an agent's side by
//! side (`offer_next(queue, ticket)`, `expire_offer(ticket, agent)`), and
//! all three are UUIDs. A newtype each makes a swap a compile error.
//! Storage keeps plain UUIDs; the conversion is at the call into it.

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            pub fn uuid(self) -> uuid::Uuid {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

typed_id!(
    /// A record of kind `ticket`.
    TicketId
);
typed_id!(
    /// A record of kind `queue`.
    QueueId
);
typed_id!(
    /// A user of the tenant (an agent, in the support engine).
    UserId
);
