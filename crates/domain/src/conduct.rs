//! Kinds of conduct and of effect an incident can record, drawn from the stalking and
//! harassment offences in Scotland and in England and Wales (see `reference/law.md`).

use serde::{Deserialize, Serialize};

macro_rules! labelled_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $key:literal : $label:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
        }

        impl $name {
            /// Every value, in the order forms show them.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The stable name used in forms, the API and storage.
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key,)* }
            }

            /// How it is shown to her.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)* }
            }

            /// Reads a stable name.
            pub fn from_key(key: &str) -> Option<$name> {
                match key { $($key => Some($name::$variant),)* _ => None }
            }
        }
    };
}

labelled_enum!(
    /// A kind of conduct (CJL(S)A 2010 s.39(6); PHA 1997 s.2A(3)).
    ConductKind {
        /// Following her.
        Following = "following": "Following",
        /// Contacting or trying to contact, directly or through others.
        Contacting = "contacting": "Contacting or trying to contact",
        /// Publishing statements or material about her, or pretending to be her.
        Publishing = "publishing": "Publishing things about you, or pretending to be you",
        /// Monitoring her internet, email or other electronic communication.
        Monitoring = "monitoring": "Monitoring your phone, internet or accounts",
        /// Entering or loitering near her home or work.
        Loitering = "loitering": "Coming to or hanging around your home or work",
        /// Interfering with property.
        Property = "property": "Interfering with your property",
        /// Giving or leaving items.
        Items = "items": "Giving or leaving things",
        /// Watching or spying.
        Watching = "watching": "Watching or spying",
        /// Threats.
        Threats = "threats": "Threats",
        /// Intimate images: sharing, threatening to share, fakes.
        IntimateImages = "intimate_images": "Intimate images (sharing, threatening to share, fakes)",
        /// Contacting third parties about her (proxy stalking).
        ThirdParties = "third_parties": "Contacting other people about you",
        /// Other behaviour a reasonable person would expect to cause fear or alarm.
        Other = "other": "Something else that frightened or alarmed you",
    }
);

labelled_enum!(
    /// How an incident affected her.
    Effect {
        /// Fear.
        Fear = "fear": "Fear",
        /// Alarm.
        Alarm = "alarm": "Alarm",
        /// Distress.
        Distress = "distress": "Distress",
        /// Fear that violence will be used against her.
        FearOfViolence = "fear_of_violence": "Fear of violence",
        /// Changes to her daily life: moving, new routes, stopped working, closed accounts.
        DailyLife = "daily_life": "Changes to daily life (routes, work, accounts, moving)",
    }
);

labelled_enum!(
    /// Whether she had asked them to stop before this incident.
    StopRequest {
        /// Not recorded.
        NotRecorded = "not_recorded": "Not recorded",
        /// Yes, she had asked them to stop.
        Yes = "yes": "Yes, I had asked them to stop",
        /// No.
        No = "no": "No",
    }
);

// The enum comes from a macro shared with enums that have no default, so this is written out.
#[allow(clippy::derivable_impls)]
impl Default for StopRequest {
    fn default() -> Self {
        StopRequest::NotRecorded
    }
}
