//! Reading multipart forms safely: text fields within a budget (a flood of fields cannot fill
//! the server's memory), and a refused upload read to its end so the browser sees the answer.

use axum::extract::Multipart;
use axum::extract::multipart::Field;
use lodge_service::ServiceError;

use crate::extract::WriteCase;
use crate::failure::Failure;

/// Largest text field accepted in a multipart form.
const TEXT_FIELD_MAX: usize = 1024 * 1024;
/// Most text one multipart form may hold, all its text fields together.
const TEXT_TOTAL_MAX: usize = 2 * 1024 * 1024;
/// Most text fields one multipart form may hold (a real form has a few dozen).
const TEXT_FIELDS_MAX: usize = 300;

/// What text one multipart form may still hold, so that a flood of text fields (sent with
/// nothing but an inbox link) cannot fill the server's memory.
pub(crate) struct TextBudget {
    left: usize,
    fields: usize,
}

impl TextBudget {
    pub(crate) fn new() -> TextBudget {
        TextBudget { left: TEXT_TOTAL_MAX, fields: 0 }
    }

    /// Reads one text field, within what is left.
    pub(crate) async fn read(&mut self, field: Field<'_>) -> Result<String, ServiceError> {
        self.fields += 1;
        if self.fields > TEXT_FIELDS_MAX {
            return Err(too_much_text());
        }
        let text = read_text(field, TEXT_FIELD_MAX.min(self.left)).await?;
        self.left -= text.len();
        Ok(text)
    }
}

fn too_much_text() -> ServiceError {
    ServiceError::invalid("description", "This is too much text to send in one go: split it into several parts.")
}

/// Reads a text field of a multipart form, up to `max` bytes.
async fn read_text(mut field: Field<'_>, max: usize) -> Result<String, ServiceError> {
    let mut bytes = Vec::new();
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() + chunk.len() > max {
                    return Err(too_much_text());
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(_) => {
                return Err(ServiceError::invalid(
                    "files",
                    "The form did not arrive whole. Check your connection and send it again.",
                ));
            }
        }
    }
    String::from_utf8(bytes)
        .map_err(|_| ServiceError::invalid("description", "Some text could not be read. Try sending it again."))
}

/// How much of a refused upload is still read, so the browser receives the answer instead of
/// a reset connection. Beyond this the connection is closed.
const DRAIN_MAX: u64 = 64 * 1024 * 1024;

/// Reads and discards what is left of a multipart body after an error.
pub(crate) async fn drain(multipart: &mut Multipart) {
    let mut read = 0u64;
    while let Ok(Some(mut field)) = multipart.next_field().await {
        while let Ok(Some(chunk)) = field.chunk().await {
            read += chunk.len() as u64;
            if read > DRAIN_MAX {
                return;
            }
        }
    }
}

/// The case an upload goes to. When it is refused, the body is read to its end first, so a
/// browser still sending the file sees the answer rather than a broken connection.
pub(crate) async fn upload_case(
    case: Result<WriteCase, Failure>,
    multipart: &mut Multipart,
) -> Result<WriteCase, Failure> {
    if case.is_err() {
        drain(multipart).await;
    }
    case
}
