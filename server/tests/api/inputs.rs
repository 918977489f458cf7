//! Random inputs for every server function, signed in as the Owner (so every guard lets them
//! through to the decoding and the checks behind it): whatever arrives, the answer is never a
//! 5xx and never names the machinery behind it. Bounded for CI: a few hundred requests.

use crate::helpers::*;
use app::auth::types::BuiltinRole;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{json, Value};

/// Argument names the server functions take, to be hit more often than random ones.
const KNOWN: &[&str] = &[
    "id", "active", "email", "password", "organization", "token", "search", "status", "role", "sort", "dir", "after", "before", "size",
    "since", "update", "invitation", "acceptance", "change",
];

/// Words that would show internals leaking into an answer.
const INTERNALS: &[&str] = &["sqlx", "SELECT ", "panicked", "/src/", "sqlite", "postgres", "stack backtrace", "RUST_BACKTRACE"];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,40}",
        "[0-9-]{1,25}",
        Just("true".to_owned()),
        Just(String::new()),
        "[A-Za-z0-9_=-]{20,60}",
        Just("x".repeat(3000)),
        Just("%".to_owned()),
        Just("\u{202e}\u{fe0f}\u{1F600}".to_owned()),
        Just("' OR 1=1 --".to_owned()),
    ]
}

fn form() -> impl Strategy<Value = Vec<(String, String)>> {
    let key = prop_oneof![3 => proptest::sample::select(KNOWN).prop_map(str::to_owned), 1 => "[a-z_]{1,10}"];
    proptest::collection::vec((key, text()), 0..6)
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map(prop_oneof![proptest::sample::select(KNOWN).prop_map(str::to_owned), "[a-z_]{1,8}"], inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[derive(Debug)]
enum Body {
    Form(Vec<(String, String)>),
    Json(Value),
}

/// The JSON inputs (an edit, an invitation, an acceptance, a password change), each under its
/// argument's name, with exactly their fields.
const JSON_INPUTS: &[(&str, &[&str])] = &[
    ("update", &["id", "version", "name", "email", "profile", "role_ids"]),
    ("invitation", &["email", "role_id", "message"]),
    ("acceptance", &["token", "name", "password"]),
    ("change", &["current_password", "new_password"]),
];
const PROFILE: &[&str] = &["phone", "job_title", "department", "location", "time_zone"];

/// Every argument name present with a random value: each function finds its own arguments and
/// the input gets past decoding to the checks and the queries behind it.
fn full_form() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::vec(text(), KNOWN.len()).prop_map(|values| KNOWN.iter().map(|k| (*k).to_owned()).zip(values).collect())
}

/// An object with exactly these fields, mostly text, sometimes anything.
fn object(fields: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let field = prop_oneof![3 => text().prop_map(Value::from), 1 => any::<i64>().prop_map(Value::from), 1 => json_value()];
    proptest::collection::vec(field, fields.len())
        .prop_map(move |values| Value::Object(fields.iter().map(|f| (*f).to_owned()).zip(values).collect()))
}

/// Each JSON input well-shaped, with random values (a profile that is an object, role ids a
/// list, more often than not).
fn full_json() -> impl Strategy<Value = Value> {
    let inputs: Vec<_> = JSON_INPUTS.iter().map(|(_, fields)| object(fields)).collect();
    (inputs, object(PROFILE), proptest::collection::vec(text(), 0..3), any::<bool>()).prop_map(|(mut objects, profile, roles, shaped)| {
        if shaped {
            objects[0]["profile"] = profile;
            objects[0]["role_ids"] = json!(roles);
            objects[0]["version"] = json!(1);
        }
        Value::Object(JSON_INPUTS.iter().map(|(name, _)| (*name).to_owned()).zip(objects).collect())
    })
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        form().prop_map(Body::Form),
        full_form().prop_map(Body::Form),
        json_value().prop_map(Body::Json),
        full_json().prop_map(Body::Json),
    ]
}

#[tokio::test]
async fn no_input_to_any_server_function_gets_a_5xx_or_shows_internals() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    app.add_user(&org, "max@example.com", "Max Member", BuiltinRole::Member).await;
    let owner = app.signed_in("ada@example.com").await;
    // Signing out would only turn the rest into 401s.
    let mut paths: Vec<&str> = leptos::server_fn::axum::server_fn_paths().map(|(p, _)| p).filter(|p| !p.ends_with("/logout")).collect();
    paths.sort_unstable();

    // 12 per function in CI; `ROSTER_INPUT_CASES=500` for a longer hunt.
    let cases: u32 = std::env::var("ROSTER_INPUT_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(12);
    // A random run that says how to repeat it: `ROSTER_INPUT_SEED=<the printed seed>`.
    let seed: u64 = std::env::var("ROSTER_INPUT_SEED").ok().and_then(|n| n.parse().ok()).unwrap_or_else(rand::random);
    eprintln!("random inputs: {cases} a function, seed {seed} (ROSTER_INPUT_SEED={seed} repeats this run)");
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes);
    let mut runner = TestRunner::new_with_rng(Config { cases, ..Config::default() }, rng);
    let mut statuses = std::collections::BTreeMap::new();
    for path in paths {
        for _ in 0..cases {
            let body = body().new_tree(&mut runner).unwrap().current();
            let req = owner.post(app.url(path));
            let req = match &body {
                Body::Form(form) => req.form(form),
                Body::Json(value) => req.json(value),
            };
            let res = req.send().await.unwrap();
            let status = res.status();
            let answer = res.text().await.unwrap();
            assert!(status.as_u16() < 500, "{path} answered {status} to {body:?}: {answer}");
            *statuses.entry(status.as_u16()).or_insert(0) += 1;
            for word in INTERNALS {
                assert!(!answer.contains(word), "{path} showed {word:?} for {body:?}: {answer}");
            }
        }
    }
    // Past decoding, into the checks (422), the lookups (404) and success, not only 400s.
    eprintln!("answers by status: {statuses:?}");
    for reached in [200, 400, 404, 422] {
        assert!(statuses.contains_key(&reached), "no {reached} among {statuses:?}");
    }
    // The Owner is still signed in: nothing above broke the session (sign_out_other_sessions
    // and change_password with random input could not have ended this one).
    assert_eq!(app.call(&owner, "/api/current_user", &[]).await.status(), 200);
}
