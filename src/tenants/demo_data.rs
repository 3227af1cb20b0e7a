//! A believable data set for the demo tenant: companies and contacts, two
//! pipelines with deals in every stage, queues with tickets of every
//! priority and status, activities, and a user for each built-in role a
//! visitor may want to try (the supplier sees a company, a deal and a few
//! tickets shared with them). Written through the same service as the API,
//! so it is validated and produces events like any other write.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::domain::email::Email;
use crate::domain::password::{self, Password};
use crate::domain::tenant::Tenant;
use crate::identity::service::owner_principal;
use crate::records::core::RecordError;
use crate::records::portal;
use crate::records::schema::by_path;
use crate::records::service;
use crate::storage::users::{self, NewUser};
use crate::storage::{TenantDb, teams};

const COMPANIES: [(&str, &str, &str); 8] = [
    (
        "Müller Maschinenbau GmbH",
        "mueller-maschinenbau.example",
        "Manufacturing",
    ),
    (
        "Nordlicht Logistik AG",
        "nordlicht-logistik.example",
        "Logistics",
    ),
    (
        "Café Sonnenschein",
        "cafe-sonnenschein.example",
        "Hospitality",
    ),
    ("Bergblick Software GmbH", "bergblick.example", "Software"),
    ("Rheinwerk Energie", "rheinwerk-energie.example", "Energy"),
    ("Atelier Farbenfroh", "farbenfroh.example", "Design"),
    ("Hanse Handel KG", "hanse-handel.example", "Retail"),
    ("Alpen Klinik Verbund", "alpen-klinik.example", "Healthcare"),
];

const PEOPLE: [(&str, &str, &str); 16] = [
    ("Anna", "Schmidt", "Head of Purchasing"),
    ("Jonas", "Weber", "CTO"),
    ("Lea", "Fischer", "Office Manager"),
    ("Lukas", "Wagner", "Managing Director"),
    ("Mia", "Becker", "Operations Lead"),
    ("Felix", "Hoffmann", "IT Administrator"),
    ("Emma", "Schulz", "Finance"),
    ("Paul", "Koch", "Procurement"),
    ("Sophie", "Richter", "Marketing"),
    ("Leon", "Klein", "Facility Manager"),
    ("Hannah", "Wolf", "CEO"),
    ("Noah", "Neumann", "Support Lead"),
    ("Marie", "Schwarz", "Product Owner"),
    ("Ben", "Zimmermann", "Buyer"),
    ("Lina", "Braun", "Controller"),
    ("Elias", "Krüger", "Engineer"),
];

const TICKET_SUBJECTS: [&str; 10] = [
    "Invoice shows the wrong VAT rate",
    "Cannot log in to the portal",
    "Delivery arrived damaged",
    "Request for a second licence",
    "Export to CSV times out",
    "Password reset mail never arrives",
    "Question about the maintenance contract",
    "Printer driver crashes on startup",
    "Change of billing address",
    "Machine makes a grinding noise",
];

/// A path through the default workflow to reach each status.
const STATUS_PATHS: [&[&str]; 5] = [
    &[],
    &["open"],
    &["open", "pending"],
    &["open", "resolved"],
    &["open", "resolved", "closed"],
];

/// The demo's people besides its admin (email, name, role, kind); they
/// sign in with the admin's password.
pub const DEMO_USERS: [(&str, &str, &str, &str); 5] = [
    ("agent@demo.example", "Alex Agent", "agent", "staff"),
    ("sales@demo.example", "Sam Sales", "sales", "staff"),
    ("manager@demo.example", "Morgan Manager", "manager", "staff"),
    (
        "customer@demo.example",
        "Chris Customer",
        "customer",
        "customer",
    ),
    ("supplier@demo.example", "Pat Parts", "supplier", "supplier"),
];

fn id(v: &Value) -> Uuid {
    v["id"]
        .as_str()
        .and_then(|s| Uuid::parse_str(s).ok())
        .unwrap_or_default()
}

/// Seeds the demo tenant unless it already has records. Returns whether it did.
pub async fn seed(db: &TenantDb, tenant: &Tenant, password: &str) -> Result<bool, RecordError> {
    let me = owner_principal(tenant, db)
        .await
        .map_err(|e| RecordError::Unexpected(e.to_string()))?;
    let companies_kind = by_path("companies").ok_or(RecordError::NotFound)?;
    let probe = [("limit".to_owned(), "1".to_owned())];
    if !service::list(db, companies_kind, &me, &probe)
        .await?
        .0
        .is_empty()
    {
        return Ok(false);
    }
    let admin_id = me.user_id;
    let kind = |p: &str| by_path(p).ok_or(RecordError::NotFound);

    // People to try the roles with, and a team for the agents.
    let mut tx = db.begin().await?;
    let support = teams::insert(&mut tx, "Support").await?;
    let pw = Password::parse("password", password).map_err(|e| RecordError::Validation(vec![e]))?;
    let hash = password::hash(pw)
        .await
        .map_err(|e| RecordError::Unexpected(format!("{e:#}")))?;
    let mut made = Vec::new();
    for (email, name, role, kind) in DEMO_USERS {
        let user = NewUser {
            email: Email::parse("email", email).map_err(|e| RecordError::Validation(vec![e]))?,
            name: name.into(),
            password_hash: hash.clone(),
            kind,
            roles: vec![role.into()],
        };
        let uid = users::insert(&mut tx, &user).await?;
        if role == "agent" {
            users::set_teams(&mut tx, uid, &[support.id]).await?;
        }
        made.push(uid);
    }
    tx.commit().await?;
    let (agent, sales, customer, supplier) = (made[0], made[1], made[3], made[4]);

    let mut companies = Vec::new();
    for (i, (name, domain, industry)) in COMPANIES.iter().enumerate() {
        // The first company is the supplier's own: the supplier portal shows it.
        let shared: Vec<Uuid> = if i == 0 { vec![supplier] } else { vec![] };
        let c = service::create(db, kind("companies")?, &me, &json!({
            "name": name, "domain": domain, "industry": industry, "website": format!("https://{domain}"), "tags": ["demo"],
            "shared_with": shared,
        }), None).await?;
        companies.push(id(&c.record));
    }
    let mut contacts = Vec::new();
    for (i, (first, last, title)) in PEOPLE.iter().enumerate() {
        let company = companies[i % companies.len()];
        let domain = COMPANIES[i % COMPANIES.len()].1;
        let mut body = json!({
            "first_name": first, "last_name": last, "title": title, "company_id": company,
            "email": format!("{}.{}@{domain}", first.to_lowercase(), last.to_lowercase().replace('ü', "ue")),
            "phone": format!("+49 30 {:07}", 1_000_000 + i * 7919),
        });
        if i == 0 {
            body["user_id"] = json!(customer);
        }
        contacts.push(id(&service::create(
            db,
            kind("contacts")?,
            &me,
            &body,
            None,
        )
        .await?
        .record));
    }

    for (name, stages) in [
        (
            "New business",
            vec![
                ("lead", "Lead", 10),
                ("qualified", "Qualified", 25),
                ("offer", "Offer sent", 50),
                ("negotiation", "Negotiation", 75),
                ("won", "Won", 100),
                ("lost", "Lost", 0),
            ],
        ),
        (
            "Renewals",
            vec![
                ("due", "Renewal due", 60),
                ("talks", "In talks", 80),
                ("renewed", "Renewed", 100),
                ("churned", "Churned", 0),
            ],
        ),
    ] {
        let stage_json: Vec<Value> = stages.iter().map(|(id, n, p)| {
            json!({"id": id, "name": n, "probability": p, "won": *p == 100, "lost": *p == 0 && (*id == "lost" || *id == "churned")})
        }).collect();
        let p = service::create(
            db,
            kind("pipelines")?,
            &me,
            &json!({"name": name, "stages": stage_json}),
            None,
        )
        .await?;
        for (i, (stage, label, _)) in stages.iter().enumerate() {
            for n in 0..2 {
                let k = i * 2 + n;
                let owner_id = if k % 2 == 0 { sales } else { admin_id };
                // One deal per pipeline is worked on with the supplier.
                let shared: Vec<Uuid> = if k == 2 { vec![supplier] } else { vec![] };
                service::create(db, kind("deals")?, &me, &json!({
                    "shared_with": shared,
                    "title": format!("{} — {}", COMPANIES[k % COMPANIES.len()].0, label),
                    "pipeline_id": id(&p.record), "stage_id": stage,
                    "amount": 1500 + (k * 3671) % 48_000, "currency": "EUR",
                    "company_id": companies[k % companies.len()], "contact_ids": [contacts[k % contacts.len()]],
                    "owner_id": owner_id, "expected_close": format!("2027-{:02}-{:02}", 1 + k % 12, 1 + k % 28),
                }), None).await?;
            }
        }
    }

    let policy = service::create(db, kind("sla-policies")?, &me, &json!({
        "name": "Standard support", "business_hours": true, "paused_statuses": ["pending"],
        "targets": {"urgent": {"first_response_mins": 30, "resolution_mins": 240}, "high": {"first_response_mins": 120, "resolution_mins": 960},
                    "normal": {"first_response_mins": 480, "resolution_mins": 2880}, "low": {"first_response_mins": 960, "resolution_mins": 7200}}
    }), None).await?;
    let mut queues = Vec::new();
    for (name, desc) in [
        ("Support", "Product questions and incidents"),
        ("Billing", "Invoices, payments, contracts"),
    ] {
        let q = service::create(
            db,
            kind("queues")?,
            &me,
            &json!({"name": name, "description": desc, "team_id": support.id, "sla_policy_id": id(&policy.record)}),
            None,
        )
        .await?;
        queues.push(id(&q.record));
    }
    // Tickets opened in the customer portal join the Support queue.
    portal::save_setting(
        db,
        me.audit_actor(),
        &portal::SupportSetting {
            portal_queue_id: Some(queues[0]),
        },
    )
    .await?;
    let tickets = kind("tickets")?;
    let mut n = 0;
    for priority in ["low", "normal", "high", "urgent"] {
        for path in STATUS_PATHS {
            // A few jobs, in different statuses, are the supplier's to work on.
            let shared: Vec<Uuid> = if n % 6 == 2 { vec![supplier] } else { vec![] };
            let t = service::create(db, tickets, &me, &json!({
                "shared_with": shared,
                "subject": TICKET_SUBJECTS[n % TICKET_SUBJECTS.len()], "priority": priority,
                "description": "Reported by phone; details in the comments.",
                "queue_id": queues[n % 2], "requester_id": contacts[n % contacts.len()],
                "team_id": support.id, "assignee_id": if n % 3 == 0 { Value::Null } else { json!(agent) },
            }), None).await?;
            let tid = id(&t.record);
            service::add_comment(
                db,
                &me,
                tid,
                &json!({"body": "Thanks for reaching out — we are looking into it."}),
            )
            .await?;
            if n % 4 == 1 {
                service::add_comment(db, &me, tid, &json!({"body": "Internal: customer is on the premium plan.", "internal": true})).await?;
            }
            for status in path {
                service::update(db, tickets, &me, tid, &json!({"status": status}), None).await?;
            }
            n += 1;
        }
    }

    let activities = kind("activities")?;
    for (i, (ty, subject)) in [
        ("call", "Intro call"),
        ("meeting", "On-site demo"),
        ("task", "Send the revised offer"),
        ("note", "Prefers e-mail over phone"),
        ("task", "Follow up on renewal"),
    ]
    .iter()
    .enumerate()
    {
        let mut body = json!({"type": ty, "subject": subject, "related_kind": "contact", "related_id": contacts[i]});
        if *ty == "task" {
            body["due_at"] = json!(format!("2027-0{}-15T09:00:00Z", 1 + i));
            body["done"] = json!(false);
        }
        service::create(db, activities, &me, &body, None).await?;
    }
    Ok(true)
}
