//! Applications through their use cases: random sequences of citizen and operator actions
//! never reach a state the table does not allow, final states stay final, and the protocol
//! numbers of a year are unique and without gaps.

use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};
use serde_json::{json, Map, Value};

use super::{fixture, Fixture};
use crate::domain::applications::{Action, Rules, State};
use crate::keys;
use crate::services::applications::{citizen, desk, drafts, record, Application};
use crate::services::sessions::Session;
use crate::services::ServiceError;

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

#[derive(Debug, Clone)]
enum Step {
    Submit,
    Withdraw,
    Answer,
    Take(usize),
    Office(usize, Action),
    /// Eleven days pass (a preavviso's term runs out).
    Wait,
}

fn step() -> impl Strategy<Value = Step> {
    let office = prop::sample::select(vec![
        Action::RequestIntegration,
        Action::Resume,
        Action::Accept,
        Action::AcceptWithReserve,
        Action::Confirm,
        Action::PreReject,
        Action::Reject,
        Action::Cancel,
    ]);
    prop_oneof![
        2 => Just(Step::Submit),
        1 => Just(Step::Withdraw),
        2 => Just(Step::Answer),
        2 => (0usize..2).prop_map(Step::Take),
        6 => (0usize..2, office).prop_map(|(o, a)| Step::Office(o, a)),
        1 => Just(Step::Wait),
    ]
}

/// A complete draft of one of two services (the residence one with its attachment).
async fn draft(f: &Fixture, citizen: &Session, residence: bool) -> Application {
    let app = &f.app;
    let service = if residence {
        "cambio_residenza"
    } else {
        "albo_scrutatori"
    };
    let a = drafts::start(app, citizen, service).await.unwrap();
    let mut data: Map<String, Value> = a.data.clone();
    let extra = if residence {
        let doc = drafts::Upload {
            field: "documento",
            name: "documento.pdf",
            bytes: PDF,
        };
        let file = drafts::attach(app, citizen, &a.id, doc).await.unwrap();
        json!({"indirizzo": {"via": "Via Nuova", "civico": "3", "cap": "53100"}, "data": "2026-11-20",
               "titolo": "proprieta", "catasto": "fg. 1 part. 2", "documento": file.id,
               "email": "c@example.it", "consapevole": true})
    } else {
        json!({"titolo_studio": "diploma", "professione": "impiegato", "elettore": true,
               "incompatibilita": true, "email": "c@example.it"})
    };
    data.extend(extra.as_object().unwrap().clone());
    drafts::save(app, citizen, &a.id, data).await.unwrap().0
}

async fn run(f: &Fixture, citizen: &Session, ops: &[Session], a: &Application, steps: &[Step]) {
    let app = &f.app;
    for s in steps {
        let result = match s {
            Step::Submit => citizen::submit(app, citizen, &a.id).await.map(|(a, _)| a),
            Step::Withdraw => citizen::withdraw(app, citizen, &a.id, "").await,
            Step::Answer => {
                citizen::answer(app, citizen, &a.id, "Ecco quanto richiesto.", &[]).await
            }
            Step::Take(o) => desk::take(app, &ops[*o], &a.id).await,
            Step::Office(o, action) => {
                desk::act(app, &ops[*o], &a.id, action.id(), "Motivo indicato.").await
            }
            Step::Wait => {
                f.clock.advance(chrono::Duration::days(11));
                continue;
            }
        };
        match result {
            Ok(_) | Err(ServiceError::Conflict(_)) | Err(ServiceError::Form(_)) => {}
            // The desk never sees a draft.
            Err(ServiceError::NotFound(_)) if matches!(s, Step::Take(_) | Step::Office(..)) => {
                let stored = record::load(app, &a.id).await.unwrap().unwrap();
                assert_eq!(stored.state, State::Bozza);
            }
            Err(e) => panic!("{s:?}: {e:?}"),
        }
    }
}

/// The stored history is a chain of allowed transitions from the draft.
fn check_history(a: &Application, two_step: bool) {
    let mut state = State::Bozza;
    let mut preavviso = false;
    for e in &a.history {
        assert_eq!(e.from, state, "{:?}", a.history);
        let rules = Rules {
            two_step,
            had_preavviso: preavviso,
            fee: false,
        };
        assert_eq!(state.after(e.action, rules), Some(e.to), "{:?}", a.history);
        assert!(!state.is_final());
        preavviso |= e.to == State::PreavvisoRigetto;
        state = e.to;
    }
    assert_eq!(state, a.state);
}

#[test]
fn random_citizen_and_operator_actions_keep_the_machine_and_the_protocol_sound() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let f = rt.block_on(fixture());
    let (me, mate) = f.with_mate();
    let citizen = rt.block_on(f.session(me, false)).1;
    let ops = vec![
        rt.block_on(f.session(mate, true)).1,
        rt.block_on(f.session(f.stranger_to(me), true)).1,
    ];
    let mut runner = TestRunner::new(RunnerConfig {
        cases: 64,
        ..RunnerConfig::default()
    });
    let strategy = (any::<bool>(), prop::collection::vec(step(), 1..24));
    runner
        .run(&strategy, |(residence, steps)| {
            rt.block_on(async {
                let a = draft(&f, &citizen, residence).await;
                run(&f, &citizen, &ops, &a, &steps).await;
                let stored = record::load(&f.app, &a.id).await.unwrap().unwrap();
                check_history(&stored, residence);
            });
            Ok(())
        })
        .unwrap();
    // Every registration of each year, numbered 1..=N without a gap, each once.
    let mut total = 0;
    for year in 2026..=2030 {
        let entries = rt
            .block_on(crate::ports::query_all(
                f.app.store.as_ref(),
                &keys::protocol_entries(year),
            ))
            .unwrap();
        let numbers: Vec<u64> = entries
            .iter()
            .map(|i| {
                serde_json::from_slice::<Value>(&i.data).unwrap()["number"]
                    .as_u64()
                    .unwrap()
            })
            .collect();
        assert_eq!(
            numbers,
            (1..=numbers.len() as u64).collect::<Vec<_>>(),
            "{year}"
        );
        total += numbers.len();
    }
    assert!(total > 0);
}
