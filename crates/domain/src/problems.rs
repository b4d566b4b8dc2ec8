//! [`Problems`]: what is wrong with something she typed, named by field, in words that say
//! what to do.

use serde::Serialize;

/// Problems found in a form or API request, each tied to the field it concerns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Problems {
    /// Pairs of field name and a plain message saying what to do.
    pub fields: Vec<FieldProblem>,
}

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    /// The field's name in the form and the API.
    pub field: String,
    /// What to do about it.
    pub message: String,
}

impl Problems {
    /// Records a problem with `field`.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.fields.push(FieldProblem { field: field.into(), message: message.into() });
    }

    /// Records a problem if `value` is longer than `max` characters.
    pub fn check_length(&mut self, field: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.add(field, format!("This is too long: keep it under {max} characters."));
        }
    }

    /// True when nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The message for `field`, if there is one.
    pub fn for_field(&self, field: &str) -> Option<&str> {
        self.fields.iter().find(|p| p.field == field).map(|p| p.message.as_str())
    }

    /// Adds all of `other`'s problems.
    pub fn extend(&mut self, other: Problems) {
        self.fields.extend(other.fields);
    }
}
