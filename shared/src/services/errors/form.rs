//! Refusals of an application's answers and attachments, each on its field.

use crate::domain::applications::form::Problem;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormRefusal {
    /// Fields to correct before sending (400).
    Fields(Vec<Problem>),
    /// An attachment refused (400), or over its field's limit (413).
    Attachment {
        field: String,
        message: String,
        too_large: bool,
    },
    /// A reason or text the action needs is missing or too long (400).
    Text {
        field: &'static str,
        message: String,
    },
}

impl FormRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            FormRefusal::Fields(_) => "invalid_form",
            FormRefusal::Attachment {
                too_large: true, ..
            } => "attachment_too_large",
            FormRefusal::Attachment { .. } => "invalid_attachment",
            FormRefusal::Text { .. } => "invalid_text",
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            FormRefusal::Attachment {
                too_large: true, ..
            } => 413,
            _ => 400,
        }
    }

    pub fn field(&self) -> Option<String> {
        match self {
            FormRefusal::Fields(p) => p.first().map(|p| p.field.clone()),
            FormRefusal::Attachment { field, .. } => Some(field.clone()),
            FormRefusal::Text { field, .. } => Some(field.to_string()),
        }
    }

    pub fn message(&self) -> String {
        match self {
            FormRefusal::Fields(p) if p.len() == 1 => {
                format!("La domanda non può essere inviata: {}", p[0].message)
            }
            FormRefusal::Fields(p) => format!(
                "La domanda non può essere inviata: correggi i {} campi segnalati.",
                p.len()
            ),
            FormRefusal::Attachment { message, .. } | FormRefusal::Text { message, .. } => {
                message.clone()
            }
        }
    }
}
