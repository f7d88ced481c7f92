//! A strict wrapper around a JSON deserializer, used by the loader in place of a
//! `serde_json::Value` round trip.
//!
//! Why a wrapper rather than a first pass over a `Value` or a schema check:
//!
//! - `serde_json` keeps the last of two equal keys in an object (`{"a":1,"a":2}` is `{"a":2}`),
//!   both into a `Value` and into a map; serde's derive refuses a repeated struct field, but not
//!   a repeated key of a `BTreeMap` (log options) or of a `Value` (policy documents). A file that
//!   says two things must not load as whichever one comes last.
//! - serde's derive accepts a JSON array for a struct (`["vpc-1", [], true, true]` is a `Vpc`,
//!   fields by position). A snapshot is only ever written as objects; positional structs would
//!   make a file mean something else than it says after a field is added or reordered.
//!
//! Both are properties of the *input*, so they are enforced where the input is read: every
//! `deserialize_struct` is answered with the inner deserializer's `deserialize_map` (which
//! refuses anything but an object, with "invalid type: sequence, expected struct Vpc"), and
//! every object's keys are collected as they are read, a repeated key being an error. The
//! wrapper also keeps the JSON path of the value being read, so that every error names the
//! field (`security_groups[0].egress[1].peer`) whatever raised it. It parses straight into the
//! typed snapshot in one pass: no intermediate `Value` tree, which is what bounds the memory of
//! a large file to the file and the snapshot itself.
//!
//! Enum payloads (`visit_enum`) are passed through unwrapped: the snapshot's enums are all unit
//! variants written as strings, which hold no objects.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// Where in the document a value is: a chain of keys and indexes back to the root.
#[derive(Clone, Copy)]
pub(super) enum Segment<'p> {
    Root,
    Key(&'p Segment<'p>, &'p str),
    Index(&'p Segment<'p>, usize),
}

impl fmt::Display for Segment<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Segment::Root => Ok(()),
            Segment::Key(parent, key) => {
                write!(f, "{parent}")?;
                let plain = !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                match (plain, matches!(parent, Segment::Root)) {
                    (true, true) => f.write_str(key),
                    (true, false) => write!(f, ".{key}"),
                    (false, _) => write!(f, "[\"{}\"]", super::validate::shown(key)),
                }
            }
            Segment::Index(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

/// What the walk found: the path of the first error, deepest first.
#[derive(Default)]
pub(super) struct State {
    error_path: RefCell<Option<String>>,
}

impl State {
    fn record(&self, path: &Segment<'_>) {
        let mut slot = self.error_path.borrow_mut();
        if slot.is_none() {
            *slot = Some(path.to_string());
        }
    }

    /// The JSON path of the value that failed, empty for the document itself.
    pub(super) fn error_path(&self) -> Option<String> {
        self.error_path
            .borrow()
            .clone()
            .filter(|path| !path.is_empty())
    }
}

/// Deserializes `T` from `de`, strictly (see the module comment).
pub(super) fn deserialize<'de, T, D>(de: D, state: &State) -> Result<T, D::Error>
where
    T: de::Deserialize<'de>,
    D: Deserializer<'de>,
{
    let root = Segment::Root;
    T::deserialize(Strict {
        de,
        path: &root,
        state,
        key: None,
    })
}

struct Strict<'p, D> {
    de: D,
    path: &'p Segment<'p>,
    state: &'p State,
    /// Set while reading an object's key: the key's text is kept here.
    key: Option<&'p RefCell<Option<String>>>,
}

impl<'p, D> Strict<'p, D> {
    fn wrap<V>(&self, visitor: V) -> Wrap<'p, V> {
        Wrap {
            visitor,
            path: self.path,
            state: self.state,
            key: self.key,
        }
    }
}

macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
                let (path, state, is_key) = (self.path, self.state, self.key.is_some());
                let visitor = self.wrap(visitor);
                // A key's error is recorded by the map, at the key's own path.
                self.de.$method($($arg,)* visitor).inspect_err(|_| if !is_key { state.record(path) })
            }
        )*
    };
}

impl<'de, 'p, D: Deserializer<'de>> Deserializer<'de> for Strict<'p, D> {
    type Error = D::Error;

    forward! {
        deserialize_any();
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_i128();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_u128();
        deserialize_f32();
        deserialize_f64();
        deserialize_char();
        deserialize_str();
        deserialize_string();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_option();
        deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_seq();
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map();
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier();
        deserialize_ignored_any();
    }

    /// A struct is read from an object only: `deserialize_map` refuses an array.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let (path, state) = (self.path, self.state);
        let visitor = self.wrap(visitor);
        self.de
            .deserialize_map(visitor)
            .inspect_err(|_| state.record(path))
    }

    fn is_human_readable(&self) -> bool {
        self.de.is_human_readable()
    }
}

struct Wrap<'p, V> {
    visitor: V,
    path: &'p Segment<'p>,
    state: &'p State,
    key: Option<&'p RefCell<Option<String>>>,
}

impl<V> Wrap<'_, V> {
    fn keep_key(&self, text: &str) {
        if let Some(slot) = self.key {
            *slot.borrow_mut() = Some(text.to_string());
        }
    }
}

macro_rules! pass {
    ($($method:ident($ty:ty);)*) => {
        $(
            fn $method<E: de::Error>(self, value: $ty) -> Result<Self::Value, E> {
                self.visitor.$method(value)
            }
        )*
    };
}

impl<'de, 'p, V: Visitor<'de>> Visitor<'de> for Wrap<'p, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    pass! {
        visit_bool(bool);
        visit_i8(i8);
        visit_i16(i16);
        visit_i32(i32);
        visit_i64(i64);
        visit_i128(i128);
        visit_u8(u8);
        visit_u16(u16);
        visit_u32(u32);
        visit_u64(u64);
        visit_u128(u128);
        visit_f32(f32);
        visit_f64(f64);
        visit_char(char);
        visit_bytes(&[u8]);
        visit_borrowed_bytes(&'de [u8]);
        visit_byte_buf(Vec<u8>);
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        self.keep_key(value);
        self.visitor.visit_str(value)
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
        self.keep_key(value);
        self.visitor.visit_borrowed_str(value)
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
        self.keep_key(&value);
        self.visitor.visit_string(value)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.visitor.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.visitor.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        self.visitor.visit_some(Strict {
            de,
            path: self.path,
            state: self.state,
            key: None,
        })
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        self.visitor.visit_newtype_struct(Strict {
            de,
            path: self.path,
            state: self.state,
            key: None,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.visitor.visit_seq(Seq {
            seq,
            path: self.path,
            state: self.state,
            index: 0,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.visitor.visit_map(Map {
            map,
            path: self.path,
            state: self.state,
            seen: Keys::default(),
            current: String::new(),
        })
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        self.visitor.visit_enum(data)
    }
}

/// A seed that reads its value through the wrapper, at `path`.
struct Seed<'p, S> {
    seed: S,
    path: &'p Segment<'p>,
    state: &'p State,
    key: Option<&'p RefCell<Option<String>>>,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(Strict {
            de,
            path: self.path,
            state: self.state,
            key: self.key,
        })
    }
}

struct Seq<'p, A> {
    seq: A,
    path: &'p Segment<'p>,
    state: &'p State,
    index: usize,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Seq<'_, A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        let path = Segment::Index(self.path, self.index);
        self.index += 1;
        let state = self.state;
        self.seq
            .next_element_seed(Seed {
                seed,
                path: &path,
                state,
                key: None,
            })
            .inspect_err(|_| state.record(&path))
    }

    fn size_hint(&self) -> Option<usize> {
        self.seq.size_hint()
    }
}

/// The keys of one object seen so far: a short list (most objects have a few keys), a set
/// beyond that.
#[derive(Default)]
struct Keys {
    few: Vec<String>,
    many: HashSet<String>,
}

impl Keys {
    /// False when the key was already there.
    fn insert(&mut self, key: &str) -> bool {
        const FEW: usize = 16;
        if self.many.is_empty() {
            if self.few.iter().any(|seen| seen == key) {
                return false;
            }
            if self.few.len() < FEW {
                self.few.push(key.to_string());
                return true;
            }
            self.many.extend(self.few.drain(..));
        }
        self.many.insert(key.to_string())
    }
}

struct Map<'p, A> {
    map: A,
    path: &'p Segment<'p>,
    state: &'p State,
    seen: Keys,
    /// The key whose value is read next.
    current: String,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Map<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let slot = RefCell::new(None);
        let state = self.state;
        let result = self.map.next_key_seed(Seed {
            seed,
            path: self.path,
            state,
            key: Some(&slot),
        });
        let key = slot.into_inner();
        match (&result, key) {
            (Err(_), Some(key)) => state.record(&Segment::Key(self.path, &key)),
            (Err(_), None) => state.record(self.path),
            (Ok(Some(_)), Some(key)) => {
                if !self.seen.insert(&key) {
                    state.record(self.path);
                    return Err(de::Error::custom(format_args!(
                        "duplicate key \"{}\" in one object",
                        super::validate::shown(&key)
                    )));
                }
                self.current = key;
            }
            _ => {}
        }
        result
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        let path = Segment::Key(self.path, &self.current);
        let state = self.state;
        self.map
            .next_value_seed(Seed {
                seed,
                path: &path,
                state,
                key: None,
            })
            .inspect_err(|_| state.record(&path))
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        a: u32,
        #[serde(default)]
        options: BTreeMap<String, String>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        items: Vec<Inner>,
        #[serde(default)]
        doc: Option<serde_json::Value>,
    }

    fn read(text: &str) -> Result<Outer, String> {
        let state = State::default();
        let mut de = serde_json::Deserializer::from_str(text);
        deserialize::<Outer, _>(&mut de, &state)
            .map_err(|error| format!("{}: {error}", state.error_path().unwrap_or_default()))
    }

    #[test]
    fn objects_load() {
        let outer = read(r#"{"items":[{"a":1,"options":{"x":"y"}}],"doc":{"k":[1,{"j":2}]}}"#);
        assert!(outer.is_ok(), "{outer:?}");
    }

    #[test]
    fn a_struct_written_as_an_array_is_refused() {
        let error = read(r#"{"items":[[1]]}"#).unwrap_err();
        assert!(
            error.starts_with("items[0]: invalid type: sequence"),
            "{error}"
        );
        assert!(
            read(r#"[[[1]]]"#)
                .unwrap_err()
                .contains("expected struct Outer")
        );
    }

    #[test]
    fn duplicate_keys_are_refused_everywhere() {
        for (text, path) in [
            (r#"{"items":[],"items":[]}"#, ": duplicate key \"items\""),
            (
                r#"{"items":[{"a":1,"options":{"x":"1","x":"2"}}]}"#,
                "items[0].options: duplicate key \"x\"",
            ),
            (
                r#"{"items":[],"doc":{"Statement":[{"Effect":"Allow","Effect":"Deny"}]}}"#,
                "doc.Statement[0]: duplicate key \"Effect\"",
            ),
        ] {
            let error = read(text).unwrap_err();
            assert!(error.starts_with(path), "{error}");
        }
    }

    #[test]
    fn errors_name_the_path() {
        let error = read(r#"{"items":[{"a":1},{"a":"x"}]}"#).unwrap_err();
        assert!(error.starts_with("items[1].a: invalid type"), "{error}");
        let error = read(r#"{"items":[{"a":1,"b":2}]}"#).unwrap_err();
        assert!(error.starts_with("items[0].b: unknown field"), "{error}");
        let error = read(r#"{"items":[{}]}"#).unwrap_err();
        assert!(error.starts_with("items[0]: missing field `a`"), "{error}");
    }

    #[test]
    fn many_keys_still_catch_duplicates() {
        let keys: Vec<String> = (0..40).map(|n| format!("\"k{n}\":\"v\"")).collect();
        let text = format!(
            r#"{{"items":[{{"a":1,"options":{{{},"k3":"again"}}}}]}}"#,
            keys.join(",")
        );
        assert!(read(&text).unwrap_err().contains("duplicate key \"k3\""));
    }
}
