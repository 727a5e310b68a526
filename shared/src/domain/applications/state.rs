//! The life of an application as a state machine: the only way to a new state is
//! `State::after`, which knows every legal transition; everything else is `None`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Bozza,
    /// Sent, its fee not yet paid: it counts as presented once pagoPA confirms the payment.
    AttesaPagamento,
    Inviata,
    Protocollata,
    PresaInCarico,
    IntegrazioneRichiesta,
    IntegrazioneInviata,
    InLavorazione,
    /// Notice of the grounds for rejection, with 10 days to answer (art. 10-bis L. 241/1990).
    PreavvisoRigetto,
    Accolta,
    /// Registered with effect from the declaration, pending the checks (residence).
    AccoltaConRiserva,
    AccoltaDefinitivamente,
    Respinta,
    Ritirata,
    Annullata,
}

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Citizen,
    Office,
    /// The service itself (the protocol registration right after sending).
    System,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Submit,
    /// pagoPA confirmed the fee: the application counts as presented.
    Pay,
    /// The fee was cancelled or not paid by its due date: the application is a draft again.
    Unpaid,
    Register,
    Withdraw,
    Take,
    RequestIntegration,
    /// The citizen's answer to an integration request or to a preavviso.
    Answer,
    Resume,
    Accept,
    AcceptWithReserve,
    Confirm,
    PreReject,
    Reject,
    Cancel,
}

/// What the service and the past allow beside the current state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rules {
    /// The service ends with a provisional outcome confirmed later (residence).
    pub two_step: bool,
    /// A preavviso di rigetto was sent before (a rejection needs one).
    pub had_preavviso: bool,
    /// The service asks a fee, paid before the application counts as presented.
    pub fee: bool,
}

impl Action {
    pub const ALL: [Action; 15] = [
        Action::Submit,
        Action::Pay,
        Action::Unpaid,
        Action::Register,
        Action::Withdraw,
        Action::Take,
        Action::RequestIntegration,
        Action::Answer,
        Action::Resume,
        Action::Accept,
        Action::AcceptWithReserve,
        Action::Confirm,
        Action::PreReject,
        Action::Reject,
        Action::Cancel,
    ];

    pub fn role(self) -> Role {
        match self {
            Action::Submit | Action::Withdraw | Action::Answer => Role::Citizen,
            Action::Register | Action::Pay | Action::Unpaid => Role::System,
            _ => Role::Office,
        }
    }

    /// A reason is required (art. 3 L. 241/1990 for rejections; the office must say what
    /// it needs, why it objects, why it cancels).
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            Action::RequestIntegration | Action::PreReject | Action::Reject | Action::Cancel
        )
    }

    /// The citizen receives a sealed letter for it.
    pub fn makes_document(self) -> bool {
        matches!(
            self,
            Action::Register
                | Action::RequestIntegration
                | Action::PreReject
                | Action::Accept
                | Action::AcceptWithReserve
                | Action::Confirm
                | Action::Reject
                | Action::Cancel
                | Action::Withdraw
        )
    }

    pub fn id(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Pay => "pay",
            Action::Unpaid => "unpaid",
            Action::Register => "register",
            Action::Withdraw => "withdraw",
            Action::Take => "take",
            Action::RequestIntegration => "request_integration",
            Action::Answer => "answer",
            Action::Resume => "resume",
            Action::Accept => "accept",
            Action::AcceptWithReserve => "accept_with_reserve",
            Action::Confirm => "confirm",
            Action::PreReject => "pre_reject",
            Action::Reject => "reject",
            Action::Cancel => "cancel",
        }
    }

    pub fn parse(id: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.id() == id)
    }
}

impl State {
    pub const ALL: [State; 15] = [
        State::Bozza,
        State::AttesaPagamento,
        State::Inviata,
        State::Protocollata,
        State::PresaInCarico,
        State::IntegrazioneRichiesta,
        State::IntegrazioneInviata,
        State::InLavorazione,
        State::PreavvisoRigetto,
        State::Accolta,
        State::AccoltaConRiserva,
        State::AccoltaDefinitivamente,
        State::Respinta,
        State::Ritirata,
        State::Annullata,
    ];

    /// The state `action` leads to, when it is allowed now.
    pub fn after(self, action: Action, rules: Rules) -> Option<State> {
        use Action as A;
        use State as S;
        let working = matches!(
            self,
            S::PresaInCarico | S::IntegrazioneInviata | S::InLavorazione
        );
        let next = match (self, action) {
            (S::Bozza, A::Submit) if rules.fee => S::AttesaPagamento,
            (S::Bozza, A::Submit) => S::Inviata,
            (S::AttesaPagamento, A::Pay) => S::Inviata,
            (S::AttesaPagamento, A::Unpaid) => S::Bozza,
            (S::Inviata, A::Register) => S::Protocollata,
            (S::Inviata | S::Protocollata, A::Withdraw) => S::Ritirata,
            (S::Protocollata, A::Take) => S::PresaInCarico,
            (S::PresaInCarico | S::InLavorazione, A::RequestIntegration) => {
                S::IntegrazioneRichiesta
            }
            (S::IntegrazioneRichiesta, A::Answer) => S::IntegrazioneInviata,
            (S::PreavvisoRigetto, A::Answer) => S::InLavorazione,
            (S::PresaInCarico | S::IntegrazioneInviata, A::Resume) => S::InLavorazione,
            (_, A::Accept) if working && !rules.two_step => S::Accolta,
            (_, A::AcceptWithReserve) if working && rules.two_step => S::AccoltaConRiserva,
            (S::AccoltaConRiserva, A::Confirm) => S::AccoltaDefinitivamente,
            (_, A::PreReject) if working => S::PreavvisoRigetto,
            (S::PreavvisoRigetto, A::Reject) => S::Respinta,
            (S::InLavorazione, A::Reject) if rules.had_preavviso => S::Respinta,
            (_, A::Cancel) if self.is_open() || self == S::AccoltaConRiserva => S::Annullata,
            _ => return None,
        };
        Some(next)
    }

    /// Every action allowed now.
    pub fn actions(self, rules: Rules) -> impl Iterator<Item = Action> {
        Action::ALL
            .into_iter()
            .filter(move |a| self.after(*a, rules).is_some())
    }

    /// Nothing can happen any more.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            State::Accolta
                | State::AccoltaDefinitivamente
                | State::Respinta
                | State::Ritirata
                | State::Annullata
        )
    }

    /// Sent and not yet decided.
    pub fn is_open(self) -> bool {
        !self.is_final() && !self.before_office() && self != State::AccoltaConRiserva
    }

    /// Not yet presented: the office neither sees nor works it.
    pub fn before_office(self) -> bool {
        matches!(self, State::Bozza | State::AttesaPagamento)
    }

    pub fn id(self) -> &'static str {
        match self {
            State::Bozza => "bozza",
            State::AttesaPagamento => "attesa_pagamento",
            State::Inviata => "inviata",
            State::Protocollata => "protocollata",
            State::PresaInCarico => "presa_in_carico",
            State::IntegrazioneRichiesta => "integrazione_richiesta",
            State::IntegrazioneInviata => "integrazione_inviata",
            State::InLavorazione => "in_lavorazione",
            State::PreavvisoRigetto => "preavviso_rigetto",
            State::Accolta => "accolta",
            State::AccoltaConRiserva => "accolta_con_riserva",
            State::AccoltaDefinitivamente => "accolta_definitivamente",
            State::Respinta => "respinta",
            State::Ritirata => "ritirata",
            State::Annullata => "annullata",
        }
    }

    pub fn parse(id: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.id() == id)
    }

    /// What the timeline says of the moment the application reached the state.
    pub fn event_label(self) -> &'static str {
        match self {
            State::AttesaPagamento => "Inviata: in attesa del pagamento",
            State::Protocollata => "Protocollata",
            State::IntegrazioneRichiesta => "Integrazione richiesta dall'ufficio",
            State::PreavvisoRigetto => "Preavviso di rigetto (art. 10-bis L. 241/1990)",
            State::AccoltaConRiserva => "Accolta con riserva: registrata",
            other => other.label(),
        }
    }

    /// What the citizen reads of the current state.
    pub fn label(self) -> &'static str {
        match self {
            State::Bozza => "Bozza — non inviata",
            State::AttesaPagamento => {
                "In attesa del pagamento: la domanda è presentata quando pagoPA conferma il pagamento"
            }
            State::Inviata => "Inviata",
            State::Protocollata => "Inviata e protocollata",
            State::PresaInCarico => "Presa in carico dall'ufficio",
            State::IntegrazioneRichiesta => {
                "Integrazione richiesta: l'ufficio attende una tua risposta"
            }
            State::IntegrazioneInviata => "Integrazione inviata",
            State::InLavorazione => "In lavorazione",
            State::PreavvisoRigetto => {
                "Preavviso di rigetto: puoi presentare osservazioni entro 10 giorni"
            }
            State::Accolta => "Accolta",
            State::AccoltaConRiserva => "Accolta con riserva: registrata, accertamenti in corso",
            State::AccoltaDefinitivamente => "Accolta definitivamente",
            State::Respinta => "Respinta",
            State::Ritirata => "Ritirata",
            State::Annullata => "Annullata",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TWO_STEP: Rules = Rules {
        two_step: true,
        had_preavviso: false,
        fee: false,
    };

    #[test]
    fn the_residence_path_and_the_integration_loop() {
        let mut s = State::Bozza;
        for a in [
            Action::Submit,
            Action::Register,
            Action::Take,
            Action::RequestIntegration,
            Action::Answer,
            Action::Resume,
            Action::RequestIntegration,
            Action::Answer,
            Action::AcceptWithReserve,
            Action::Confirm,
        ] {
            s = s
                .after(a, TWO_STEP)
                .unwrap_or_else(|| panic!("{a:?} from {s:?}"));
        }
        assert_eq!(s, State::AccoltaDefinitivamente);
        assert_eq!(State::InLavorazione.after(Action::Accept, TWO_STEP), None);
    }

    #[test]
    fn withdrawal_only_before_the_office_takes_it_and_rejection_only_after_a_preavviso() {
        let r = Rules::default();
        assert_eq!(
            State::Protocollata.after(Action::Withdraw, r),
            Some(State::Ritirata)
        );
        assert_eq!(State::PresaInCarico.after(Action::Withdraw, r), None);
        assert_eq!(State::InLavorazione.after(Action::Reject, r), None);
        let after_notice = Rules {
            had_preavviso: true,
            ..r
        };
        assert_eq!(
            State::InLavorazione.after(Action::Reject, after_notice),
            Some(State::Respinta)
        );
        assert_eq!(State::Bozza.after(Action::Take, r), None);
    }

    fn rules() -> impl Strategy<Value = Rules> {
        (any::<bool>(), any::<bool>()).prop_map(|(two_step, had_preavviso)| Rules {
            two_step,
            had_preavviso,
            fee: false,
        })
    }

    #[test]
    fn a_fee_holds_the_application_until_paid_and_an_unpaid_one_is_a_draft_again() {
        let fee = Rules {
            fee: true,
            ..Rules::default()
        };
        let waiting = State::Bozza.after(Action::Submit, fee);
        assert_eq!(waiting, Some(State::AttesaPagamento));
        let waiting = State::AttesaPagamento;
        assert!(!waiting.is_open() && waiting.before_office());
        for a in [
            Action::Register,
            Action::Withdraw,
            Action::Take,
            Action::Cancel,
        ] {
            assert_eq!(waiting.after(a, fee), None, "{a:?}");
        }
        assert_eq!(waiting.after(Action::Pay, fee), Some(State::Inviata));
        assert_eq!(waiting.after(Action::Unpaid, fee), Some(State::Bozza));
        assert_eq!(State::Inviata.after(Action::Pay, fee), None);
        assert_eq!(State::Bozza.after(Action::Pay, fee), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Random actions by anyone: a final state allows nothing, each action is taken
        /// only by its role, and only the states of the table are ever reached.
        #[test]
        fn random_actions_never_leave_the_table(
            two_step in any::<bool>(),
            fee in any::<bool>(),
            steps in prop::collection::vec((0usize..Action::ALL.len(), rules()), 0..60),
        ) {
            let mut s = State::Bozza;
            let mut preavviso = false;
            for (i, r) in steps {
                let action = Action::ALL[i];
                let rules = Rules { two_step, had_preavviso: preavviso && r.had_preavviso, fee };
                match s.after(action, rules) {
                    Some(next) => {
                        prop_assert!(!s.is_final(), "{s:?} is final but allowed {action:?}");
                        // Only an unpaid fee makes a draft again; only a fee holds one.
                        if next == State::Bozza { prop_assert_eq!(s, State::AttesaPagamento); }
                        if next == State::AttesaPagamento { prop_assert!(fee); }
                        if next == State::Inviata && fee { prop_assert_eq!(s, State::AttesaPagamento); }
                        if next == State::Accolta { prop_assert!(!two_step); }
                        if next == State::AccoltaConRiserva { prop_assert!(two_step); }
                        if next == State::Respinta { prop_assert!(preavviso); }
                        preavviso |= next == State::PreavvisoRigetto;
                        s = next;
                    }
                    None => prop_assert!(s.is_final() || !s.actions(rules).any(|a| a == action)),
                }
            }
            if s.is_final() {
                prop_assert_eq!(s.actions(Rules { two_step, had_preavviso: true, fee }).count(), 0);
            }
        }
    }
}
