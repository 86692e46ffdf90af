//! Kinds that travel in messages: where an article came from, what an entity or a claim is, why a
//! message was dead-lettered. Each is an enum of the values this build writes plus `Other`, which
//! keeps a value written by a newer (or older) build as it was: old and new messages both decode,
//! and a message passed through keeps its kind. On the wire each is a plain string.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Defines an open enum: known variants with their wire strings, and `Other(String)`.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this build does not know, kept as written.
            Other(String),
        }

        impl $name {
            /// Wire strings of the known variants.
            pub const KNOWN: &'static [&'static str] = &[$($wire),+];

            /// The wire string.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Other(s) => s,
                }
            }

            /// The variant for a wire string; unknown strings become `Other`.
            pub fn parse(s: &str) -> Self {
                match s {
                    $( $wire => Self::$variant, )+
                    other => Self::Other(other.to_string()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::parse(s))
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self::parse(s)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self::parse(&s)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = Cow::<'de, str>::deserialize(d)?;
                Ok(Self::parse(&s))
            }
        }

        impl schemars::JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }

            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                // Any string: readers keep values they do not know. The known ones as examples.
                schemars::json_schema!({
                    "type": "string",
                    "examples": Self::KNOWN,
                })
            }
        }
    };
}

open_enum! {
    /// How an article reached the pipeline (`source.kind`).
    SourceKind {
        /// A file in the seed directory.
        Seed = "seed",
        /// An entry of a configured feed.
        Feed = "feed",
        /// A file dropped into the inbox directory.
        Inbox = "inbox",
        /// A file given on the command line (`newsflow clean`, `newsflow enrich`).
        File = "file",
    }
}

open_enum! {
    /// What an entity is (`entities[].kind`).
    EntityKind {
        /// A person.
        Person = "person",
        /// An organisation: a company, party, agency, court.
        Organization = "organization",
        /// A place: a country, region, city.
        Place = "place",
        /// A law or a treaty.
        Law = "law",
        /// A building or a site: a prison, a port, an airport.
        Facility = "facility",
        /// A named event.
        Event = "event",
        /// A name found in the text that no gazetteer entry knows; what it names is undecided.
        Unknown = "unknown",
    }
}

open_enum! {
    /// What a numeric claim counts (`claims[].kind`).
    ClaimKind {
        /// A number of people or things.
        Count = "count",
        /// A percentage.
        Percent = "percent",
        /// An amount of money.
        Amount = "amount",
        /// A year.
        Year = "year",
        /// A full date, as `yyyymmdd`.
        Date = "date",
    }
}

open_enum! {
    /// Why a message was dead-lettered (`error_class`).
    ErrorClass {
        /// Not JSON, or fields of the wrong type.
        Malformed = "malformed",
        /// Another schema family or an unknown major version.
        UnknownSchema = "unknown_schema",
        /// Valid, but the stage could not make anything of it.
        Unprocessable = "unprocessable",
        /// Larger than the stage accepts.
        Oversized = "oversized",
        /// The stage panicked on it.
        Panic = "panic",
        /// A feed that does not parse.
        MalformedFeed = "malformed_feed",
        /// An article page that cannot be fetched or used.
        UnfetchablePage = "unfetchable_page",
        /// A fetch the address policy refused.
        RefusedAddress = "refused_address",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_values_round_trip() {
        for (json, kind) in [
            ("\"inbox\"", SourceKind::Inbox),
            (
                "\"carrier-pigeon\"",
                SourceKind::Other("carrier-pigeon".into()),
            ),
        ] {
            let back: SourceKind = serde_json::from_str(json).expect("decodes");
            assert_eq!(back, kind);
            assert_eq!(serde_json::to_string(&back).expect("encodes"), json);
        }
        assert_eq!(ClaimKind::parse("date"), ClaimKind::Date);
        assert_eq!(ErrorClass::RefusedAddress.to_string(), "refused_address");
        assert!(EntityKind::Person == "person");
    }
}
