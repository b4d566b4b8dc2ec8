//! An incident's life in a case: logged by her (naming someone new if need be), edited with
//! every earlier version kept, deleted with a tombstone, and read back as the timeline.

use lodge_domain::{Incident, IncidentId, Person, PersonId, RecordKind};

use crate::ServiceError;
use crate::case::{OpenCase, TimelineFilter, Version, checked};

impl OpenCase {
    async fn check_people(&self, people: &[PersonId]) -> Result<(), ServiceError> {
        if people.is_empty() {
            return Ok(());
        }
        let known: Vec<Version<Person>> = self.latest(RecordKind::Person).await?;
        for p in people {
            if !known.iter().any(|k| k.id == p.0 && !k.deleted) {
                return Err(ServiceError::invalid(
                    "people",
                    "One of the people chosen is not in this case any more. Choose again.",
                ));
            }
        }
        Ok(())
    }

    /// Adds an incident she wrote. What only an import or her inbox sets (imported messages,
    /// their source, who reported it) is refused, naming the field.
    pub async fn add_incident(&self, incident: &Incident) -> Result<IncidentId, ServiceError> {
        checked(self.her_incident_problems(incident))?;
        self.record_incident(incident).await
    }

    /// Adds an incident naming someone not yet in the case, and that person. Both are checked
    /// before either is written, so a refused incident leaves no stray person behind.
    pub async fn add_incident_with_newcomer(
        &self,
        incident: &Incident,
        newcomer: &Person,
    ) -> Result<IncidentId, ServiceError> {
        self.may_write()?;
        let incident = self.naming_newcomer(incident, newcomer, self.her_incident_problems(incident), None).await?;
        self.record_incident(&incident).await
    }

    /// Saves an edited incident that names someone not yet in the case, and adds that person;
    /// a stale form is refused before anything is written.
    pub async fn edit_incident_with_newcomer(
        &self,
        id: IncidentId,
        expected_version: i64,
        incident: &Incident,
        newcomer: &Person,
    ) -> Result<i64, ServiceError> {
        self.may_write()?;
        let times = incident.check_times(self.lodge().now());
        let incident = self.naming_newcomer(incident, newcomer, times, Some((id, expected_version))).await?;
        self.edit_incident(id, expected_version, &incident).await
    }

    /// Checks an incident that names someone new, and the newcomer, before anything is
    /// written (for an edit, also that the form is not stale); then adds the newcomer to the
    /// case and names them in the incident.
    async fn naming_newcomer(
        &self,
        incident: &Incident,
        newcomer: &Person,
        mut problems: lodge_domain::Problems,
        editing: Option<(IncidentId, i64)>,
    ) -> Result<Incident, ServiceError> {
        problems.extend(incident.check());
        problems.extend(newcomer.check());
        checked(problems)?;
        self.check_people(&incident.people).await?;
        if let Some((id, expected_version)) = editing
            && self.incident(id).await?.version != expected_version
        {
            return Err(ServiceError::Conflict);
        }
        let mut incident = incident.clone();
        incident.people.push(self.add_person(newcomer).await?);
        Ok(incident)
    }

    /// What is wrong with an incident she wrote, beyond its own checks: fields only Lodge sets,
    /// and times that cannot be.
    fn her_incident_problems(&self, incident: &Incident) -> lodge_domain::Problems {
        let mut problems = lodge_domain::Problems::default();
        for field in incident.provenance() {
            problems.add(field, "Only Lodge sets this, from an import or her inbox.");
        }
        problems.extend(incident.check_times(self.lodge().now()));
        problems
    }

    /// Adds an incident, keeping where it came from: for imports, her inbox and found copies.
    pub(crate) async fn record_incident(&self, incident: &Incident) -> Result<IncidentId, ServiceError> {
        self.may_write()?;
        checked(incident.check())?;
        self.check_people(&incident.people).await?;
        let id = IncidentId::new();
        self.write(RecordKind::Incident, id.0, 1, incident).await?;
        Ok(id)
    }

    /// Saves an edited incident; earlier versions stay in its history. Imported messages and
    /// their source are the record of an export, not her words: an edit keeps them as they were.
    pub async fn edit_incident(
        &self,
        id: IncidentId,
        expected_version: i64,
        incident: &Incident,
    ) -> Result<i64, ServiceError> {
        self.may_write()?;
        let mut problems = incident.check();
        problems.extend(incident.check_times(self.lodge().now()));
        checked(problems)?;
        self.check_people(&incident.people).await?;
        let current = self.incident(id).await?;
        // What came from an export or from her inbox stays as it came.
        let mut edited = incident.clone();
        if let Some(was) = current.body {
            edited.messages = was.messages;
            edited.source = was.source;
            edited.submitted_by = was.submitted_by;
        }
        self.edit(RecordKind::Incident, id.0, expected_version, &edited).await
    }

    /// The latest version of an incident (a tombstone if it was deleted).
    pub async fn incident(&self, id: IncidentId) -> Result<Version<Incident>, ServiceError> {
        self.current(RecordKind::Incident, id.0).await
    }

    /// Every version of an incident, oldest first.
    pub async fn incident_history(&self, id: IncidentId) -> Result<Vec<Version<Incident>>, ServiceError> {
        self.versions(RecordKind::Incident, id.0).await
    }

    /// Deletes an incident, leaving a tombstone.
    pub async fn delete_incident(&self, id: IncidentId) -> Result<(), ServiceError> {
        self.may_write()?;
        self.erase(RecordKind::Incident, id.0).await
    }

    /// The timeline: incidents (and tombstones of deleted ones) in time order. Incidents with
    /// no date sort by when they were logged.
    pub async fn timeline(&self, filter: &TimelineFilter) -> Result<Vec<Version<Incident>>, ServiceError> {
        let mut all: Vec<Version<Incident>> = self.latest(RecordKind::Incident).await?;
        let filtering = filter.person.is_some() || filter.conduct.is_some();
        all.retain(|e| match &e.body {
            None => !filtering,
            Some(i) => {
                filter.person.is_none_or(|p| i.people.contains(&p))
                    && filter.conduct.is_none_or(|c| i.conduct.contains(&c))
            }
        });
        all.sort_by_key(|e| {
            (e.body.as_ref().and_then(|i| i.occurred.sort_key()).unwrap_or(e.created_at), e.created_at)
        });
        if !filter.oldest_first {
            all.reverse();
        }
        Ok(all)
    }
}
