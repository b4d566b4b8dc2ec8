//! The people in a case: added, edited with history, listed by name, deleted with a tombstone.

use lodge_domain::{Person, PersonId, RecordKind};

use crate::ServiceError;
use crate::case::{OpenCase, Version, checked};

impl OpenCase {
    /// Adds a person.
    pub async fn add_person(&self, person: &Person) -> Result<PersonId, ServiceError> {
        self.may_write()?;
        checked(person.check())?;
        let id = PersonId::new();
        self.write(RecordKind::Person, id.0, 1, person).await?;
        Ok(id)
    }

    /// Saves an edited person.
    pub async fn edit_person(&self, id: PersonId, expected_version: i64, person: &Person) -> Result<i64, ServiceError> {
        self.may_write()?;
        checked(person.check())?;
        self.edit(RecordKind::Person, id.0, expected_version, person).await
    }

    /// The latest version of a person.
    pub async fn person(&self, id: PersonId) -> Result<Version<Person>, ServiceError> {
        self.current(RecordKind::Person, id.0).await
    }

    /// Every person in the case that is not deleted, by name.
    pub async fn people(&self) -> Result<Vec<Version<Person>>, ServiceError> {
        let mut people: Vec<Version<Person>> = self.latest(RecordKind::Person).await?;
        people.retain(|p| p.body.is_some());
        people.sort_by_key(|p| p.body.as_ref().map(|b| b.display_name().to_lowercase()));
        Ok(people)
    }

    /// Deletes a person, leaving a tombstone.
    pub async fn delete_person(&self, id: PersonId) -> Result<(), ServiceError> {
        self.may_write()?;
        self.erase(RecordKind::Person, id.0).await
    }
}
