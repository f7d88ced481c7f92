//! `--redact`: the snapshot made fit to leave the company, with the same verdicts.
//!
//! Not to be confused with [`super::redact`], which masks *secrets* on every load. This module
//! pseudonymises *identities*, on request, before the engine runs, so that every report derived
//! from the result (every output format) and the snapshot file itself carry no account id,
//! resource id, resource name or private address of the original, and one mapping serves the
//! whole snapshot: the same input always gets the same placeholder.
//!
//! What is replaced:
//!
//! - account ids (12 digits, in fields, ARNs, image URIs and free text) → `000000000001`, … in
//!   the order they are first met;
//! - resource ids keep their AWS prefix and length (`vpc-`, `subnet-`, `sg-`, `sgr-`, `eni-`,
//!   `rtb-`, `acl-`, `vpce-`, `igw-`, `nat-`, `tgw-attach-`, `pcx-`, `i-`, `rslvr-rr-`, …):
//!   `vpc-00000000000000001`; task and container instance ids (32 hex digits), KMS key ids
//!   (UUIDs) and Route 53 hosted zone ids likewise keep their shape;
//! - names (clusters, services, task families, containers, repositories, roles, policies,
//!   secrets, parameters, log groups, security groups, private hosted zones, statement `Sid`s,
//!   …) word by word: each run of letters and digits becomes a placeholder named after where it
//!   was first met (`cluster1`, `repo2`), separators (`/`, `-`, `_`, `.`, `:`) and wildcards stay.
//!   So an IAM `Resource` such as `repository/team-*` still matches the repositories it matched,
//!   and a replication or pull-through cache prefix still covers its repositories;
//! - private IPv4 addresses and CIDR blocks (RFC 1918 and RFC 6598 space): each outermost block
//!   the snapshot holds in a range (a VPC's CIDR, a lone address) moves, whole, to a free
//!   aligned block of the same size in the same range, so containment, longest-prefix routing
//!   and the VPC resolver's `base + 2` are unchanged; a block that is a whole range
//!   (`10.0.0.0/8`) stays, and its inner blocks move inside it. ULA IPv6 prefixes (`fd..`) get a
//!   new 40-bit global id; public addresses of tasks and instances become documentation
//!   addresses (RFC 5737).
//!
//! What stays: regions, Availability Zones, AWS service names and hostnames
//! (`com.amazonaws.us-east-1.ecr.dkr`, `api.ecr.us-east-1.amazonaws.com`), AWS-managed ARNs
//! (account `aws`) and AWS-owned buckets (`prod-REGION-starport-layer-bucket`), public address
//! ranges (prefix lists, AWS service addresses), ports, protocols, states, image tags and
//! digests, environment variable names of secrets, check ids. Free text (stopped reasons, service
//! events, gap messages) is rewritten token by token: ARNs, ids, accounts and addresses anywhere,
//! and the snapshot's own names where they stand as whole tokens.
//!
//! Every field is handled explicitly: the walk below destructures each type without `..`, so a
//! field added to the snapshot does not compile until it is decided here.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::Value;

use super::*;
use crate::arn::Arn;
use crate::net::Ipv4Cidr;

/// The snapshot with every identity replaced consistently; sorted again, as a snapshot is.
pub fn anonymize(snapshot: &Snapshot) -> Snapshot {
    anonymize_with(snapshot, &mut [])
}

/// [`anonymize`], and each of `documents` (a Terraform plan laid over the snapshot) rewritten
/// with the same mapping: every string as free text, so the ids, ARNs, addresses and names it
/// shares with the snapshot get the same placeholders (a Terraform address such as
/// `aws_ecs_service.web` keeps its words: `.web` is a label, not a name).
pub fn anonymize_with(snapshot: &Snapshot, documents: &mut [&mut Value]) -> Snapshot {
    anonymize_all(std::slice::from_ref(snapshot), documents)
        .pop()
        .expect("one snapshot in, one out")
}

/// Several snapshots (a sweep's accounts and regions) and `documents` with one mapping: an
/// account, id, name or address shared by two of them gets the same placeholder in both, and
/// no two originals share one.
pub fn anonymize_all(snapshots: &[Snapshot], documents: &mut [&mut Value]) -> Vec<Snapshot> {
    anonymize_all_with_messages(snapshots, documents, &mut [], &[])
}

/// [`anonymize_all`], and `messages` (the tool's own text about them: why an account or region
/// could not be read) with their accounts, ids, ARNs, addresses and the names met (in the
/// snapshots, and `names`, each with its kind) mapped; their other words are the tool's.
pub fn anonymize_all_with_messages(
    snapshots: &[Snapshot],
    documents: &mut [&mut Value],
    messages: &mut [&mut String],
    names: &[(&'static str, &str)],
) -> Vec<Snapshot> {
    let mut mapper = Mapper::new(snapshots);
    // Twice: the first walk learns every id and name wherever it stands, so the second maps a
    // policy or a message that names them before their own field is reached.
    for snapshot in snapshots {
        mapper.snapshot(&mut snapshot.clone());
    }
    let out = snapshots
        .iter()
        .map(|snapshot| {
            let mut out = snapshot.clone();
            mapper.snapshot(&mut out);
            out.normalize();
            out
        })
        .collect();
    // Documents twice too: a name learned late in one (a plan's `name`) is mapped where it
    // stood before.
    for document in documents.iter() {
        mapper.document(&mut (*document).clone());
    }
    for document in documents.iter_mut() {
        mapper.document(document);
    }
    // The names the messages may hold that no snapshot does (a cluster named for a sweep that
    // no account holds), then the messages with every name known.
    for (kind, name) in names {
        mapper.name(kind, name);
    }
    for message in messages.iter_mut() {
        **message = mapper.text(message, true);
    }
    out
}

/// The private ranges inside which blocks are relocated: RFC 1918 and RFC 6598.
const PRIVATE_RANGES: [(u32, u8); 4] = [
    (0x0a00_0000, 8),
    (0xac10_0000, 12),
    (0xc0a8_0000, 16),
    (0x6440_0000, 10),
];

/// The words the stopped-reason classifier (the `reason` module) reads, from its own source: a name
/// that is one of them (a role called `key`, a service called `space`) is replaced in its own
/// fields but not in free text, where the same word is the error's ("did not contain json
/// key", "no space left on device") and rewriting it would change the verdict.
fn is_classifier_word(name: &str) -> bool {
    static WORDS: std::sync::OnceLock<HashSet<String>> = std::sync::OnceLock::new();
    let words = WORDS.get_or_init(|| {
        // The classifier's own literals, and those the targets read a task's reasons with, not
        // their tests' (whose examples name a service `web`).
        [
            include_str!("../reason.rs"),
            include_str!("../facts/targets.rs"),
        ]
        .iter()
        .flat_map(|source| string_literals(source.split("#[cfg(test)]").next().unwrap_or(source)))
        .collect::<Vec<_>>()
        .iter()
        .flat_map(|literal| literal.split(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
    });
    words.contains(&name.to_ascii_lowercase())
}

/// The keys of a Terraform plan's resource values that hold a resource's own name.
const DOCUMENT_NAME_KEYS: &[&str] = &[
    "name",
    "name_prefix",
    "family",
    "cluster_name",
    "repository_name",
    "role_name",
];

/// The string literals of Rust source: escapes skipped, char literals (`'"'`) and lifetimes
/// told apart from strings.
fn string_literals(code: &str) -> Vec<String> {
    let mut literals = Vec::new();
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                let mut literal = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        c => literal.push(c),
                    }
                }
                literals.push(literal);
            }
            '\'' => {
                // A char literal ('x', '\n', '"') is skipped whole; a lifetime is one quote.
                let mut ahead = chars.clone();
                match (ahead.next(), ahead.next()) {
                    (Some('\\'), _) => {
                        chars.next();
                        chars.next();
                        while chars.next().is_some_and(|c| c != '\'') {}
                    }
                    (Some(_), Some('\'')) => {
                        chars.next();
                        chars.next();
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    literals
}

/// Resource id prefixes, longest first where one is the start of another.
const ID_PREFIXES: &[&str] = &[
    "tgw-attach",
    "tgw-rtb",
    "rslvr-rr",
    "rslvr-rrassoc",
    "rslvr-in",
    "rslvr-out",
    "vpce-svc",
    "rtbassoc",
    "aclassoc",
    "eipalloc",
    "eipassoc",
    "subnet",
    "vpce",
    "eigw",
    "dopt",
    "vpc",
    "sgr",
    "eni",
    "rtb",
    "acl",
    "igw",
    "nat",
    "tgw",
    "pcx",
    "vgw",
    "cgw",
    "vpn",
    "ami",
    "vol",
    "snap",
    "pl",
    "sg",
    "i",
];

/// Words of names that are AWS's, not the customer's.
const KEPT_WORDS: &[&str] = &["aws", "default"];

fn size(len: u8) -> u64 {
    1u64 << (32 - u32::from(len))
}

fn mask(len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len))
    }
}

fn is_hex(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_uuid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(part, len)| part.len() == len && is_hex(part))
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// A private range's block relocation: outermost original block → its new base.
#[derive(Default)]
struct Relocation {
    /// (original base, prefix length, new base), sorted by original base.
    blocks: Vec<(u32, u8, u32)>,
}

impl Relocation {
    /// Plans the relocation of every block found in the text of the snapshot.
    fn plan(blocks: &HashSet<(u32, u8)>) -> Relocation {
        let mut all = Vec::new();
        for &(range, range_len) in &PRIVATE_RANGES {
            let inside: Vec<(u32, u8)> = blocks
                .iter()
                .copied()
                .filter(|&(base, len)| len > range_len && base & mask(range_len) == range)
                .collect();
            all.extend(Self::relocate_within(range, range_len, &inside));
        }
        all.sort();
        Relocation { blocks: all }
    }

    /// Moves the outermost of `inside` to free aligned places in `container`.
    fn relocate_within(
        container: u32,
        container_len: u8,
        inside: &[(u32, u8)],
    ) -> Vec<(u32, u8, u32)> {
        let set: HashSet<(u32, u8)> = inside.iter().copied().collect();
        let mut outer: Vec<(u32, u8)> = inside
            .iter()
            .copied()
            .filter(|&(base, len)| !(0..len).any(|l| set.contains(&(base & mask(l), l))))
            .collect();
        outer.sort_by_key(|&(base, len)| (len, base));
        outer.dedup();
        let overlaps = |a: u32, alen: u8, b: u32, blen: u8| {
            let len = alen.min(blen);
            a & mask(len) == b & mask(len)
        };
        let mut placed: Vec<(u32, u8, u32)> = Vec::new();
        for &(base, len) in &outer {
            let slots = 1u64 << (len - container_len);
            let step = size(len);
            let free = |candidate: u32, avoid_originals: bool, placed: &[(u32, u8, u32)]| {
                candidate != base
                    && !placed
                        .iter()
                        .any(|&(_, l, new)| overlaps(candidate, len, new, l))
                    && (!avoid_originals
                        || !outer.iter().any(|&(b, l)| overlaps(candidate, len, b, l)))
            };
            let limit = slots.min(1 << 20);
            let found = [true, false].into_iter().find_map(|avoid| {
                (0..limit)
                    .map(|k| container.wrapping_add((k * step) as u32))
                    .find(|&candidate| free(candidate, avoid, &placed))
            });
            placed.push((base, len, found.unwrap_or(base)));
        }
        placed
    }

    fn address(&self, address: u32) -> u32 {
        self.blocks
            .iter()
            .find(|&&(base, len, _)| address & mask(len) == base)
            .map_or(address, |&(base, _, new)| new.wrapping_add(address - base))
    }

    fn block(&self, base: u32, len: u8) -> u32 {
        self.blocks
            .iter()
            .find(|&&(b, l, _)| l <= len && base & mask(l) == b)
            .map_or(base, |&(b, _, new)| new.wrapping_add(base - b))
    }
}

/// One consistent mapping for a whole snapshot.
struct Mapper {
    /// Every word, atom and account of the original, so no placeholder equals an original.
    taken: HashSet<String>,
    accounts: HashMap<String, String>,
    ids: HashMap<String, String>,
    id_counters: HashMap<String, u64>,
    words: HashMap<String, String>,
    word_counters: BTreeMap<&'static str, u64>,
    zone_ids: HashMap<String, String>,
    ula: HashMap<u64, u64>,
    /// Global unicast IPv6 /48 prefixes → their number under `2001:db8::/32`.
    global_v6: HashMap<u64, u64>,
    public: HashMap<Ipv4Addr, Ipv4Addr>,
    relocation: Relocation,
    /// Whole names as they stand in free text → their placeholder, found as tokens there.
    names: HashMap<String, String>,
    /// The longest name in `names`, in bytes: how far a token is looked ahead.
    longest_name: usize,
    /// Ids that are AWS's, not the customer's: AWS-managed prefix lists.
    kept: HashSet<String>,
}

impl Mapper {
    fn new(snapshots: &[Snapshot]) -> Mapper {
        let mut taken = HashSet::new();
        let mut blocks = HashSet::new();
        // The snapshots' JSON text: its keys and punctuation only separate tokens, and it is a
        // fraction of the memory a `Value` tree would take (a 101,000-service account).
        for snapshot in snapshots {
            if let Ok(text) = serde_json::to_string(snapshot) {
                collect_text(&text, &mut taken, &mut blocks);
            }
        }
        let mut mapper = Mapper {
            taken,
            accounts: HashMap::new(),
            ids: HashMap::new(),
            id_counters: HashMap::new(),
            words: HashMap::new(),
            word_counters: BTreeMap::new(),
            zone_ids: HashMap::new(),
            ula: HashMap::new(),
            global_v6: HashMap::new(),
            public: HashMap::new(),
            relocation: Relocation::plan(&blocks),
            names: HashMap::new(),
            longest_name: 0,
            kept: snapshots
                .iter()
                .flat_map(|snapshot| &snapshot.prefix_lists)
                .filter(|list| list.name.starts_with("com.amazonaws."))
                .map(|list| list.id.clone())
                .collect(),
        };
        for snapshot in snapshots {
            mapper.learn_first(snapshot);
        }
        mapper
    }

    /// What is learned before any walk: the public addresses of tasks and instances, and the
    /// hosted zone ids.
    fn learn_first(&mut self, snapshot: &Snapshot) {
        let mapper = self;
        // Public addresses of tasks and instances are the customer's; learned first, so free
        // text that names them is rewritten too.
        let publics = snapshot
            .tasks
            .iter()
            .filter_map(|task| task.network.as_ref())
            .chain(
                snapshot
                    .container_instances
                    .iter()
                    .filter_map(|instance| instance.network.as_ref()),
            )
            .filter_map(|network| network.public_ip)
            .chain(snapshot.ec2_instances.iter().filter_map(|i| i.public_ip));
        for address in publics {
            mapper.public_ip(address);
        }
        for zone in &snapshot.hosted_zones {
            mapper.zone_id(&zone.id);
        }
    }

    /// The next placeholder that is neither an original nor already given.
    fn fresh(&mut self, candidate: impl Fn(u64) -> String, counter: &mut u64) -> String {
        loop {
            *counter += 1;
            let text = candidate(*counter);
            if self.taken.insert(text.clone()) {
                return text;
            }
        }
    }

    fn account(&mut self, account: &str) -> String {
        if !crate::arn::is_account(account) {
            return account.to_string();
        }
        if let Some(mapped) = self.accounts.get(account) {
            return mapped.clone();
        }
        let mut counter = self.accounts.len() as u64;
        let mapped = self.fresh(|n| format!("{n:012}"), &mut counter);
        self.accounts.insert(account.to_string(), mapped.clone());
        mapped
    }

    /// An id of `prefix` whose hex part has `len` digits (also the 32-digit task ids, under
    /// the prefix `""`).
    fn hex_id(&mut self, prefix: &str, original: &str, len: usize) -> String {
        if let Some(mapped) = self.ids.get(original) {
            return mapped.clone();
        }
        let mut counter = self.id_counters.get(prefix).copied().unwrap_or(0);
        let dash = if prefix.is_empty() { "" } else { "-" };
        let mapped = self.fresh(|n| format!("{prefix}{dash}{n:0len$x}"), &mut counter);
        self.id_counters.insert(prefix.to_string(), counter);
        self.ids.insert(original.to_string(), mapped.clone());
        mapped
    }

    fn uuid(&mut self, original: &str) -> String {
        if let Some(mapped) = self.ids.get(original) {
            return mapped.clone();
        }
        let mut counter = self.id_counters.get("uuid").copied().unwrap_or(0);
        let mapped = self.fresh(
            |n| format!("00000000-0000-4000-8000-{n:012x}"),
            &mut counter,
        );
        self.id_counters.insert("uuid".into(), counter);
        self.ids.insert(original.to_string(), mapped.clone());
        mapped
    }

    fn zone_id(&mut self, original: &str) -> String {
        if let Some(mapped) = self.zone_ids.get(original) {
            return mapped.clone();
        }
        let mut counter = self.zone_ids.len() as u64;
        let width = original.len().saturating_sub(1).max(1);
        let mapped = self.fresh(|n| format!("Z{n:0width$}"), &mut counter);
        self.zone_ids.insert(original.to_string(), mapped.clone());
        mapped
    }

    fn public_ip(&mut self, address: Ipv4Addr) -> Ipv4Addr {
        if Ipv4Cidr::host(address).is_non_public() {
            return self.ipv4(address);
        }
        let next = self.public.len() as u32;
        *self.public.entry(address).or_insert_with(|| {
            // 203.0.113.0/24, then 198.51.100.0/24: documentation addresses (RFC 5737).
            let base = if next < 254 {
                0xcb00_7101
            } else {
                0xc633_6401 - 254
            };
            Ipv4Addr::from(base + next)
        })
    }

    fn ipv4(&self, address: Ipv4Addr) -> Ipv4Addr {
        if let Some(mapped) = self.public.get(&address) {
            return *mapped;
        }
        Ipv4Addr::from(self.relocation.address(u32::from(address)))
    }

    fn cidr(&self, cidr: Ipv4Cidr) -> Ipv4Cidr {
        let base = u32::from(cidr.nth_address(0));
        let len = cidr.prefix_len();
        let mapped = if len == 32 {
            u32::from(self.ipv4(Ipv4Addr::from(base)))
        } else {
            self.relocation.block(base, len)
        };
        format!("{}/{len}", Ipv4Addr::from(mapped))
            .parse()
            .unwrap_or(cidr)
    }

    /// An IPv6 address or block of /48 or longer: a unique local one (`fc00::/7`) gets a new
    /// global id; a global unicast one (`2000::/3`: a VPC's Amazon-provided or BYOIP block, a
    /// task's address) gets a /48 of the documentation prefix `2001:db8::/32` (RFC 3849) in place
    /// of its own, the rest of its bits kept, so containment and routing stay. `::/0` and other
    /// short prefixes stay.
    fn ipv6(&mut self, text: &str) -> String {
        let (address, length) = match text.split_once('/') {
            Some((address, length)) => (address, Some(length)),
            None => (text, None),
        };
        let Ok(parsed) = address.parse::<Ipv6Addr>() else {
            return text.to_string();
        };
        let bits = u128::from(parsed);
        let short = length
            .and_then(|l| l.parse::<u8>().ok())
            .is_some_and(|l| l < 48);
        let unique_local = bits >> 121 == 0x7e;
        let global_unicast = bits >> 125 == 0b001;
        if short || !(unique_local || global_unicast) {
            return text.to_string();
        }
        let bits = if global_unicast {
            let prefix = (bits >> 80) as u64;
            let next = self.global_v6.len() as u64 + 1;
            let mapped = *self.global_v6.entry(prefix).or_insert(next);
            (0x2001_0db8u128 << 96)
                | (u128::from(mapped & 0xffff) << 80)
                | (bits & ((1u128 << 80) - 1))
        } else {
            let global = ((bits >> 80) & 0xff_ffff_ffff) as u64;
            let next = self.ula.len() as u64 + 1;
            let mapped = *self.ula.entry(global).or_insert(next);
            (0xfdu128 << 120) | (u128::from(mapped) << 80) | (bits & ((1u128 << 80) - 1))
        };
        let address = Ipv6Addr::from(bits).to_string();
        match length {
            Some(length) => format!("{address}/{length}"),
            None => address,
        }
    }

    /// A name, word by word: every run of letters and digits becomes a placeholder of `kind`
    /// (the kind of the name the word was first met in); separators and wildcards stay, and so
    /// do numbers (revisions, ports) and AWS's own words.
    fn name(&mut self, kind: &'static str, name: &str) -> String {
        let mut out = String::with_capacity(name.len());
        let mut word = String::new();
        for c in name.chars().chain(std::iter::once('\0')) {
            if c.is_ascii_alphanumeric() {
                word.push(c);
                continue;
            }
            if !word.is_empty() {
                let mapped = self.word(kind, &word);
                out.push_str(&mapped);
                word.clear();
            }
            if c != '\0' {
                out.push(c);
            }
        }
        if name.len() >= 2 && out != name && !is_classifier_word(name) {
            self.longest_name = self.longest_name.max(name.len());
            self.names.insert(name.to_string(), out.clone());
        }
        out
    }

    fn word(&mut self, kind: &'static str, word: &str) -> String {
        if (word.bytes().all(|b| b.is_ascii_digit()) && word.len() != 12)
            || KEPT_WORDS.contains(&word)
        {
            return word.to_string();
        }
        if word.len() == 12 && word.bytes().all(|b| b.is_ascii_digit()) {
            return self.account(word);
        }
        if let Some(mapped) = self.words.get(word) {
            return mapped.clone();
        }
        let mut counter = self.word_counters.get(kind).copied().unwrap_or(0);
        let mapped = self.fresh(|n| format!("{kind}{n}"), &mut counter);
        self.word_counters.insert(kind, counter);
        self.words.insert(word.to_string(), mapped.clone());
        mapped
    }

    /// A DNS name: AWS's own domains keep their words (accounts and ids inside are mapped);
    /// any other keeps its top-level label and wildcard, and the rest is a name.
    fn dns(&mut self, name: &str) -> String {
        let lower = name.trim_end_matches('.');
        let aws = ["amazonaws.com", "amazonaws.com.cn", "api.aws", "amazon.com"]
            .iter()
            .any(|domain| lower == *domain || lower.ends_with(&format!(".{domain}")));
        if aws || name == "." || name.is_empty() {
            return self.text(name, false);
        }
        let labels: Vec<&str> = name.split('.').collect();
        let last = labels.len() - 1;
        let mapped: Vec<String> = labels
            .iter()
            .enumerate()
            .map(|(at, label)| {
                if at == last && last > 0 || *label == "*" || label.is_empty() {
                    label.to_string()
                } else {
                    self.name("domain", label)
                }
            })
            .collect();
        let mapped = mapped.join(".");
        if name.len() >= 2 && mapped != name {
            self.longest_name = self.longest_name.max(name.len());
            self.names.insert(name.to_string(), mapped.clone());
        }
        mapped
    }

    /// An ARN: the account and the resource's names and ids; AWS-managed ARNs stay.
    fn arn(&mut self, text: &str) -> String {
        let Some(arn) = Arn::parse(text) else {
            return self.text(text, false);
        };
        if arn.account == "aws" {
            return text.to_string();
        }
        let account = self.account(arn.account);
        let resource = if arn.service == "s3" {
            let bucket = arn.resource.split('/').next().unwrap_or_default();
            if bucket.starts_with("prod-") && bucket.ends_with("-starport-layer-bucket") {
                arn.resource.to_string()
            } else {
                self.name("bucket", arn.resource)
            }
        } else {
            self.arn_resource(arn.service, arn.resource)
        };
        format!(
            "arn:{}:{}:{}:{account}:{resource}",
            arn.partition, arn.service, arn.region
        )
    }

    fn arn_resource(&mut self, service: &str, resource: &str) -> String {
        let segments: Vec<&str> = resource.split_inclusive(['/', ':']).collect();
        if segments.len() == 1 {
            return match resource {
                "*" | "root" => resource.to_string(),
                _ => self.segment("name", resource, service == "ec2"),
            };
        }
        let kind_of = segments[0].trim_end_matches(['/', ':']);
        let kind: &'static str = match kind_of {
            "role" | "assumed-role" => "role",
            "policy" => "policy",
            "instance-profile" => "profile",
            "user" | "group" => "user",
            "repository" => "repo",
            "secret" => "secret",
            "parameter" => "param",
            "log-group" => "log",
            "alias" => "alias",
            "cluster" => "cluster",
            "service" => "service",
            "task-definition" => "family",
            "task" | "container-instance" => "cluster",
            "hostedzone" => "zone",
            _ => "name",
        };
        if kind_of == "alias" && resource.starts_with("alias/aws/") {
            return resource.to_string();
        }
        let mut out = segments[0].to_string();
        let mut first_after_type = true;
        for segment in &segments[1..] {
            let (body, separator) = match segment.strip_suffix(['/', ':']) {
                Some(body) => (body, &segment[body.len()..]),
                None => (*segment, ""),
            };
            let mapped = if kind == "zone" && first_after_type && !body.is_empty() {
                self.zone_id(body)
            } else if service == "ecs" && kind_of == "task-definition" && !first_after_type {
                // The revision.
                body.to_string()
            } else {
                self.segment(kind, body, service == "ec2")
            };
            first_after_type = false;
            out.push_str(&mapped);
            out.push_str(separator);
        }
        out
    }

    /// One segment of an ARN's resource: an id keeps its shape, anything else is a name.
    fn segment(&mut self, kind: &'static str, body: &str, ec2: bool) -> String {
        if body.is_empty() || body == "*" {
            return body.to_string();
        }
        if is_uuid(body) {
            return self.uuid(body);
        }
        if body.len() == 32 && is_hex(body) {
            return self.hex_id("", body, 32);
        }
        if let Some(mapped) = self.resource_id(body) {
            return mapped;
        }
        // An EC2 resource's id, also a made-up one (`security-group/sg-app` of a test plan).
        if ec2 && made_up_id_prefix(body).is_some() {
            return self.id_of(body);
        }
        self.name(kind, body)
    }

    /// `vpc-0abc…` (8 or 17 hex digits after a known prefix) → the same prefix and length.
    fn resource_id(&mut self, atom: &str) -> Option<String> {
        let (prefix, hex) = id_parts(atom)?;
        if self.kept.contains(atom) {
            return Some(atom.to_string());
        }
        Some(self.hex_id(prefix, atom, hex.len()))
    }

    /// A container image: an ECR image's account and repository path; tags and digests stay.
    fn image(&mut self, image: &str) -> String {
        let (name, digest) = match image.split_once('@') {
            Some((name, digest)) => (name, Some(digest)),
            None => (image, None),
        };
        let last_slash = name.rfind('/').map_or(0, |at| at + 1);
        let (path, tag) = match name[last_slash..].rfind(':') {
            Some(at) => (&name[..last_slash + at], Some(&name[last_slash + at + 1..])),
            None => (name, None),
        };
        // A registry host is the first part when it looks like one (Docker's rule).
        let mut out = match path.split_once('/') {
            Some((host, repository)) if host.contains(['.', ':']) || host == "localhost" => {
                format!(
                    "{}/{}",
                    self.text(host, false),
                    self.name("repo", repository)
                )
            }
            _ => self.name("repo", path),
        };
        if let Some(tag) = tag {
            out.push(':');
            out.push_str(tag);
        }
        if let Some(digest) = digest {
            out.push('@');
            out.push_str(digest);
        }
        out
    }

    /// A repository URI: `ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME`.
    fn uri(&mut self, uri: &str) -> String {
        match uri.split_once('/') {
            Some((host, repository)) => {
                format!(
                    "{}/{}",
                    self.text(host, false),
                    self.name("repo", repository)
                )
            }
            None => self.text(uri, false),
        }
    }

    /// A secret reference: an ARN, or an SSM parameter's bare name.
    fn secret_ref(&mut self, reference: &str) -> String {
        if reference.starts_with("arn:") {
            self.arn(reference)
        } else {
            self.name("param", reference)
        }
    }

    /// A KMS key reference: an ARN, a key id or an alias.
    fn kms(&mut self, reference: &str) -> String {
        if reference.starts_with("arn:") {
            self.arn(reference)
        } else if is_uuid(reference) {
            self.uuid(reference)
        } else if reference.starts_with("alias/aws/") {
            reference.to_string()
        } else if let Some(alias) = reference.strip_prefix("alias/") {
            format!("alias/{}", self.name("alias", alias))
        } else {
            self.text(reference, false)
        }
    }

    /// A policy document (or any JSON): every string as text, a statement's `Sid` as a name.
    fn json(&mut self, value: &mut Value) {
        match value {
            Value::String(text) => *text = self.text(text, false),
            Value::Array(items) => items.iter_mut().for_each(|item| self.json(item)),
            Value::Object(map) => {
                for (key, item) in map.iter_mut() {
                    match item {
                        Value::String(text) if key == "Sid" => *text = self.name("sid", text),
                        _ => self.json(item),
                    }
                }
            }
            _ => {}
        }
    }

    /// Every string of a document as free text (names included); keys stay.
    fn document(&mut self, value: &mut Value) {
        self.document_in(value, false);
    }

    /// `attributes`: `value` is inside a resource's attributes (a plan's `values`, `after` or
    /// `before`), where a `name` is the resource's own; elsewhere it is Terraform's label.
    fn document_in(&mut self, value: &mut Value, attributes: bool) {
        match value {
            Value::String(text) => *text = self.text(text, true),
            Value::Array(items) => items
                .iter_mut()
                .for_each(|item| self.document_in(item, attributes)),
            Value::Object(map) => {
                for (key, item) in map.iter_mut() {
                    match item {
                        // A resource's own name (`aws_iam_role`'s `name`, a task definition's
                        // `family`): a name, even one the account does not hold yet, so what
                        // the engine builds from it (a planned role's ARN) carries its
                        // placeholder. AWS's own names (`com.amazonaws.REGION.s3`) stay.
                        Value::String(text)
                            if attributes
                                && DOCUMENT_NAME_KEYS.contains(&key.as_str())
                                && !text.starts_with("arn:")
                                && !text.contains("amazonaws")
                                && !text.is_empty() =>
                        {
                            *text = self.name("name", text);
                        }
                        _ => {
                            let inside =
                                attributes || matches!(key.as_str(), "values" | "after" | "before");
                            self.document_in(item, inside);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// Free text, token by token: ARNs, IPv4 addresses and blocks, accounts, resource ids,
    /// UUIDs, task ids and hosted zone ids wherever they stand; with `names`, also the
    /// snapshot's names met so far where they stand as whole tokens.
    fn text(&mut self, text: &str, names: bool) -> String {
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        while at < text.len() {
            let previous = text[..at].chars().next_back();
            let boundary = previous.is_none_or(|c| !is_word_char(c));
            let name_boundary = boundary && previous != Some('.');
            let rest = &text[at..];
            if boundary {
                if rest.starts_with("arn:") {
                    let end = rest
                        .find(|c: char| !(c.is_ascii_alphanumeric() || "_+=.@:/*?$-".contains(c)))
                        .unwrap_or(rest.len());
                    let arn = rest[..end].trim_end_matches('.');
                    out.push_str(&self.arn(arn));
                    at += arn.len();
                    continue;
                }
                if let Some((len, mapped)) = self.ipv4_token(rest) {
                    out.push_str(&mapped);
                    at += len;
                    continue;
                }
                if names
                    && name_boundary
                    && let Some((len, mapped)) = self.name_token(rest)
                {
                    out.push_str(&mapped);
                    at += len;
                    continue;
                }
                let end = rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
                if end > 0 {
                    let atom = &rest[..end];
                    out.push_str(&self.atom(atom));
                    at += end;
                    continue;
                }
            }
            let c = rest.chars().next().unwrap_or_default();
            out.push(c);
            at += c.len_utf8();
        }
        out
    }

    /// A run of letters, digits, `_` and `-`: accounts, ids, UUIDs, task ids, zone ids.
    fn atom(&mut self, atom: &str) -> String {
        // Leading hyphens (`--cluster`, `-42`) are punctuation, kept as they stand.
        let trimmed = atom.trim_start_matches('-');
        if trimmed.len() != atom.len() {
            let hyphens = &atom[..atom.len() - trimmed.len()];
            return format!("{hyphens}{}", self.atom(trimmed));
        }
        if atom.is_empty() {
            return String::new();
        }
        if crate::arn::is_account(atom) {
            return self.account(atom);
        }
        if let Some(mapped) = self.zone_ids.get(atom).or_else(|| self.ids.get(atom)) {
            return mapped.clone();
        }
        if is_uuid(atom) {
            return self.uuid(atom);
        }
        if atom.len() == 32 && is_hex(atom) {
            return self.hex_id("", atom, 32);
        }
        // An id, possibly followed by more (`vpce-0abc…-x1y2z3w4`, an endpoint's DNS label).
        let mut out = String::new();
        let parts: Vec<&str> = atom.split('-').collect();
        let mut index = 0;
        while index < parts.len() {
            // The longest id that starts here: one met in an id field, or a hex one.
            let found = (index + 1..=parts.len()).rev().find_map(|end| {
                let candidate = parts[index..end].join("-");
                (self.ids.contains_key(&candidate) || id_parts(&candidate).is_some())
                    .then_some((end, candidate))
            });
            if !out.is_empty() {
                out.push('-');
            }
            match found {
                Some((end, candidate)) => {
                    let mapped = match self.ids.get(&candidate) {
                        Some(mapped) => mapped.clone(),
                        None => self.resource_id(&candidate).unwrap_or(candidate),
                    };
                    out.push_str(&mapped);
                    index = end;
                }
                None => {
                    out.push_str(parts[index]);
                    index += 1;
                }
            }
        }
        out
    }

    /// An IPv4 address or block at the start of `text`, when it is one: its length and mapping.
    fn ipv4_token(&mut self, text: &str) -> Option<(usize, String)> {
        let end = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '/'))
            .unwrap_or(text.len());
        let mut token = &text[..end];
        token = token.trim_end_matches(['.', '/']);
        if text[token.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return None;
        }
        let (address, length) = match token.split_once('/') {
            Some((address, length)) => (address, Some(length)),
            None => (token, None),
        };
        if address.split('.').count() != 4 {
            return None;
        }
        let parsed: Ipv4Addr = address.parse().ok()?;
        let mapped = match length {
            None => self.ipv4(parsed).to_string(),
            Some(length) => {
                let length: u8 = length.parse().ok().filter(|l| *l <= 32)?;
                let cidr: Ipv4Cidr = format!("{address}/{length}").parse().ok()?;
                if cidr.nth_address(0) != parsed {
                    // Not a network address: map the address, keep the length.
                    format!("{}/{length}", self.ipv4(parsed))
                } else {
                    self.cidr(cidr).to_string()
                }
            }
        };
        Some((token.len(), mapped))
    }

    /// A known name at the start of `text`, standing as a whole token.
    fn name_token(&self, text: &str) -> Option<(usize, String)> {
        if self.names.is_empty() {
            return None;
        }
        let limit = text
            .char_indices()
            .take_while(|&(at, c)| at < self.longest_name && !c.is_whitespace())
            .map(|(at, c)| at + c.len_utf8())
            .last()?;
        let mut ends: Vec<usize> = (1..=limit)
            .filter(|&end| text.is_char_boundary(end))
            .filter(|&end| {
                let mut after = text[end..].chars();
                match after.next() {
                    None => true,
                    Some('.') => after.next().is_none_or(|c| !c.is_ascii_alphanumeric()),
                    Some(c) => !is_word_char(c),
                }
            })
            .collect();
        ends.reverse();
        ends.into_iter().find_map(|end| {
            self.names
                .get(&text[..end])
                .map(|mapped| (end, mapped.clone()))
        })
    }

    fn cidrs(&self, cidrs: &mut [Ipv4Cidr]) {
        for cidr in cidrs {
            *cidr = self.cidr(*cidr);
        }
    }

    /// An id field: any `PREFIX-…` id (also the made-up ones of test snapshots, which are not
    /// hex) keeps its prefix; anything else is text.
    fn id_of(&mut self, id: &str) -> String {
        let mut id = id.to_string();
        self.id(&mut id);
        id
    }

    fn id(&mut self, id: &mut String) {
        *id = match made_up_id_prefix(id) {
            Some(prefix) if id_parts(id).is_none() && !self.kept.contains(id.as_str()) => {
                self.hex_id(prefix, id, 17)
            }
            _ => self.text(id, false),
        };
    }

    fn ids(&mut self, ids: &mut [String]) {
        for id in ids {
            self.id(id);
        }
    }

    fn network(&mut self, network: &mut TaskNetwork) {
        let TaskNetwork {
            subnet_id,
            private_ip,
            security_group_ids,
            public_ip,
            assign_public_ip: _,
            ipv6_address,
        } = network;
        self.id(subnet_id);
        if let Some(ip) = private_ip {
            *ip = self.ipv4(*ip);
        }
        if let Some(ip) = ipv6_address {
            *ip = self.ipv6(&ip.to_string()).parse().unwrap_or(*ip);
        }
        self.ids(security_group_ids);
        if let Some(ip) = public_ip {
            *ip = self.public_ip(*ip);
        }
    }

    fn policy(&mut self, policy: &mut NamedPolicy) {
        let NamedPolicy { name, document } = policy;
        *name = if name.starts_with("arn:") {
            self.arn(name)
        } else {
            self.name("policy", name)
        };
        self.json(document);
    }

    fn group(&mut self, group: &str) -> String {
        match group.split_once(':') {
            Some((kind @ "service", name)) => format!("{kind}:{}", self.name("service", name)),
            Some((kind @ "family", name)) => format!("{kind}:{}", self.name("family", name)),
            _ => self.name("name", group),
        }
    }

    /// Every field of the snapshot. Names first (so free text met later knows them), then the
    /// rest in the snapshot's order, free text last.
    fn snapshot(&mut self, snapshot: &mut Snapshot) {
        let Snapshot {
            schema_version: _,
            account_id,
            region: _,
            collected_at: _,
            vpcs,
            dhcp_options,
            subnets,
            route_tables,
            network_acls,
            security_groups,
            prefix_lists,
            vpc_endpoints,
            nat_gateways,
            internet_gateways,
            hosted_zones,
            resolver_rules,
            transit_gateway_attachments,
            transit_gateway_route_tables,
            vpc_peering_connections,
            ec2_instances,
            tasks,
            services,
            task_definitions,
            container_instances,
            iam_roles,
            ecr_repositories,
            log_groups,
            kms_keys,
            secret_keys,
            ecr_registry,
            ecr_replication,
            ecr_read_as_owner,
            gaps,
        } = snapshot;
        *account_id = self.account(account_id);
        for account in ecr_read_as_owner {
            *account = self.account(account);
        }
        self.ecs(tasks, services, task_definitions, container_instances);
        self.registry(ecr_repositories, ecr_registry, ecr_replication);
        self.identity(iam_roles, log_groups, kms_keys, secret_keys);
        self.vpcs(vpcs, dhcp_options, subnets, route_tables, network_acls);
        for group in security_groups {
            let SecurityGroup {
                id,
                name,
                vpc_id,
                ingress,
                egress,
            } = group;
            self.id(id);
            *name = self.name("sgname", name);
            self.id(vpc_id);
            for rule in ingress.iter_mut().chain(egress.iter_mut()) {
                let SgRule {
                    rule_id,
                    protocol: _,
                    port_range: _,
                    peer,
                } = rule;
                if let Some(rule_id) = rule_id {
                    self.id(rule_id);
                }
                *peer = match peer {
                    Peer::Cidr(cidr) => Peer::Cidr(self.cidr(*cidr)),
                    Peer::Ipv6(text) => Peer::Ipv6(self.ipv6(text)),
                    Peer::SecurityGroup(id) => Peer::SecurityGroup(self.id_of(id)),
                    Peer::PrefixList(id) => Peer::PrefixList(self.id_of(id)),
                };
            }
        }
        for list in prefix_lists {
            let PrefixList { id, name, cidrs } = list;
            if !self.kept.contains(id) {
                self.id(id);
                *name = self.name("plname", name);
                self.cidrs(cidrs);
            }
        }
        self.endpoints(vpc_endpoints);
        for gateway in nat_gateways {
            let NatGateway {
                id,
                vpc_id,
                subnet_id,
                state: _,
                connectivity_type: _,
            } = gateway;
            self.id(id);
            self.id(vpc_id);
            self.id(subnet_id);
        }
        for gateway in internet_gateways {
            let InternetGateway {
                id,
                attached_vpc_ids,
            } = gateway;
            self.id(id);
            self.ids(attached_vpc_ids);
        }
        self.landing_zone(
            hosted_zones,
            resolver_rules,
            transit_gateway_attachments,
            transit_gateway_route_tables,
            vpc_peering_connections,
            ec2_instances,
        );
        // Free text last: it knows every name by now.
        for task in tasks.iter_mut() {
            if let Some(reason) = &mut task.stopped_reason {
                *reason = self.text(reason, true);
            }
            for container in &mut task.containers {
                if let Some(reason) = &mut container.reason {
                    *reason = self.text(reason, true);
                }
            }
        }
        for service in services.iter_mut() {
            for event in &mut service.events {
                let ServiceEvent {
                    created_at: _,
                    message,
                } = event;
                *message = self.text(message, true);
            }
        }
        for role in iam_roles.iter_mut() {
            if let Some(unavailable) = role
                .simulation
                .as_mut()
                .and_then(|simulation| simulation.unavailable.as_mut())
            {
                *unavailable = self.text(unavailable, true);
            }
        }
        for gap in gaps.iter_mut() {
            let CollectionGap {
                api: _,
                resource,
                error_code: _,
                message,
            } = gap;
            if let Some(resource) = resource {
                *resource = self.text(resource, true);
            }
            *message = self.text(message, true);
        }
    }

    fn ecs(
        &mut self,
        tasks: &mut [Task],
        services: &mut [Service],
        definitions: &mut [TaskDefinition],
        instances: &mut [ContainerInstance],
    ) {
        for service in services.iter_mut() {
            let Service {
                arn,
                name,
                cluster_arn,
                task_definition_arn,
                launch_type: _,
                platform_version: _,
                network,
                events: _,
            } = service;
            *cluster_arn = self.arn(cluster_arn);
            *arn = self.arn(arn);
            *name = self.name("service", name);
            *task_definition_arn = self.arn(task_definition_arn);
            if let Some(AwsvpcConfiguration {
                subnet_ids,
                security_group_ids,
                assign_public_ip: _,
            }) = network
            {
                self.ids(subnet_ids);
                self.ids(security_group_ids);
            }
        }
        for task in tasks.iter_mut() {
            let Task {
                arn,
                cluster_arn,
                task_definition_arn,
                group,
                launch_type: _,
                platform_version: _,
                last_status: _,
                stop_code: _,
                stopped_reason: _,
                containers,
                network,
                container_instance_arn,
            } = task;
            *cluster_arn = self.arn(cluster_arn);
            *arn = self.arn(arn);
            *task_definition_arn = self.arn(task_definition_arn);
            if let Some(group) = group {
                *group = self.group(group);
            }
            for container in containers {
                let ContainerState {
                    name,
                    image,
                    image_digest: _,
                    exit_code: _,
                    reason: _,
                } = container;
                *name = self.name("container", name);
                *image = self.image(image);
            }
            if let Some(network) = network {
                self.network(network);
            }
            if let Some(instance) = container_instance_arn {
                *instance = self.arn(instance);
            }
        }
        for definition in definitions.iter_mut() {
            let TaskDefinition {
                arn,
                execution_role_arn,
                task_role_arn,
                network_mode: _,
                runtime_platform: _,
                ephemeral_storage_gib: _,
                containers,
            } = definition;
            *arn = self.arn(arn);
            for role in [execution_role_arn, task_role_arn].into_iter().flatten() {
                *role = self.arn(role);
            }
            for container in containers {
                let ContainerDefinition {
                    name,
                    image,
                    essential: _,
                    log_driver: _,
                    log_options,
                    secrets,
                    repository_credentials,
                } = container;
                *name = self.name("container", name);
                *image = self.image(image);
                for (option, value) in log_options.iter_mut() {
                    *value = match option.as_str() {
                        "awslogs-group" => self.name("log", value),
                        "awslogs-stream-prefix" => self.name("log", value),
                        "awslogs-region" | "awslogs-create-group" | "mode" => value.clone(),
                        _ => self.text(value, false),
                    };
                }
                for secret in secrets {
                    let SecretReference {
                        name: _,
                        value_from,
                    } = secret;
                    *value_from = self.secret_ref(value_from);
                }
                if let Some(credentials) = repository_credentials {
                    *credentials = self.arn(credentials);
                }
            }
        }
        for instance in instances.iter_mut() {
            let ContainerInstance {
                arn,
                cluster_arn,
                ec2_instance_id,
                network,
                instance_profile_arn,
                role_arn,
            } = instance;
            *cluster_arn = self.arn(cluster_arn);
            *arn = self.arn(arn);
            self.id(ec2_instance_id);
            if let Some(network) = network {
                self.network(network);
            }
            for arn in [instance_profile_arn, role_arn].into_iter().flatten() {
                *arn = self.arn(arn);
            }
        }
    }

    fn registry(
        &mut self,
        repositories: &mut [EcrRepository],
        registry: &mut Option<EcrRegistry>,
        replication: &mut [RegistryReplication],
    ) {
        for repository in repositories.iter_mut() {
            let EcrRepository {
                arn,
                name,
                uri,
                policy,
                encryption_type: _,
                kms_key,
                images,
                lifecycle_policy,
            } = repository;
            *arn = self.arn(arn);
            *name = self.name("repo", name);
            *uri = self.uri(uri);
            for document in [policy, lifecycle_policy].into_iter().flatten() {
                self.json(document);
            }
            if let Some(key) = kms_key {
                *key = self.kms(key);
            }
            for image in images {
                let EcrImage {
                    digest: _,
                    tags: _,
                    platforms: _,
                    size_bytes: _,
                    config_platform: _,
                } = image;
            }
        }
        if let Some(EcrRegistry {
            pull_through_cache_rules,
            policy,
        }) = registry
        {
            for rule in pull_through_cache_rules {
                let PullThroughCacheRule {
                    ecr_repository_prefix,
                    upstream_registry_url: _,
                } = rule;
                *ecr_repository_prefix = self.name("repo", ecr_repository_prefix);
            }
            if let Some(policy) = policy {
                self.json(policy);
            }
        }
        for source in replication.iter_mut() {
            let RegistryReplication {
                region: _,
                registry_id,
                rules,
            } = source;
            *registry_id = self.account(registry_id);
            for rule in rules {
                let ReplicationRule {
                    destinations,
                    repository_prefixes,
                } = rule;
                for destination in destinations {
                    let ReplicationDestination {
                        region: _,
                        registry_id,
                    } = destination;
                    *registry_id = self.account(registry_id);
                }
                for prefix in repository_prefixes {
                    *prefix = self.name("repo", prefix);
                }
            }
        }
    }

    fn identity(
        &mut self,
        roles: &mut [IamRole],
        log_groups: &mut [LogGroup],
        keys: &mut [KmsKey],
        secret_keys: &mut [SecretKey],
    ) {
        for role in roles.iter_mut() {
            let IamRole {
                arn,
                trust_policy,
                inline_policies,
                attached_policies,
                permissions_boundary,
                simulation,
            } = role;
            *arn = self.arn(arn);
            if let Some(trust) = trust_policy {
                self.json(trust);
            }
            for policy in inline_policies
                .iter_mut()
                .chain(attached_policies.iter_mut())
                .chain(permissions_boundary.iter_mut())
            {
                self.policy(policy);
            }
            if let Some(RoleSimulation {
                decisions,
                unavailable: _,
            }) = simulation
            {
                for decision in decisions {
                    let SimulatedDecision {
                        action: _,
                        resource,
                        decision: _,
                    } = decision;
                    *resource = self.text(resource, false);
                }
            }
        }
        for group in log_groups.iter_mut() {
            let LogGroup { name, kms_key } = group;
            *name = self.name("log", name);
            if let Some(key) = kms_key {
                *key = self.kms(key);
            }
        }
        for key in keys.iter_mut() {
            let KmsKey {
                arn,
                key_state: _,
                key_manager: _,
                policy,
            } = key;
            *arn = self.arn(arn);
            if let Some(policy) = policy {
                self.json(policy);
            }
        }
        for key in secret_keys.iter_mut() {
            let SecretKey { resource, kms_key } = key;
            *resource = self.secret_ref(resource);
            if let Some(key) = kms_key {
                *key = self.kms(key);
            }
        }
    }

    fn vpcs(
        &mut self,
        vpcs: &mut [Vpc],
        dhcp_options: &mut [DhcpOptions],
        subnets: &mut [Subnet],
        route_tables: &mut [RouteTable],
        network_acls: &mut [NetworkAcl],
    ) {
        for vpc in vpcs.iter_mut() {
            let Vpc {
                id,
                cidr_blocks,
                enable_dns_support: _,
                enable_dns_hostnames: _,
                dhcp_options_id,
                owner_id,
            } = vpc;
            self.id(id);
            if let Some(owner) = owner_id {
                *owner = self.account(owner);
            }
            self.cidrs(cidr_blocks);
            if let Some(options) = dhcp_options_id {
                self.id(options);
            }
        }
        for options in dhcp_options.iter_mut() {
            let DhcpOptions {
                id,
                domain_name_servers,
            } = options;
            self.id(id);
            for server in domain_name_servers {
                *server = self.text(server, false);
            }
        }
        for subnet in subnets.iter_mut() {
            let Subnet {
                id,
                vpc_id,
                availability_zone: _,
                cidr_block,
                map_public_ip_on_launch: _,
                ipv6_cidr_blocks,
                ipv6_native: _,
                enable_dns64: _,
                owner_id,
            } = subnet;
            self.id(id);
            self.id(vpc_id);
            if let Some(block) = cidr_block {
                *block = self.cidr(*block);
            }
            for block in ipv6_cidr_blocks.iter_mut().flatten() {
                *block = self.ipv6(block);
            }
            if let Some(owner) = owner_id {
                *owner = self.account(owner);
            }
        }
        for table in route_tables.iter_mut() {
            let RouteTable {
                id,
                vpc_id,
                main: _,
                subnet_ids,
                routes,
            } = table;
            self.id(id);
            self.id(vpc_id);
            self.ids(subnet_ids);
            for route in routes {
                let Route {
                    destination,
                    target,
                    state: _,
                } = route;
                *destination = match destination {
                    RouteDestination::Cidr(cidr) => RouteDestination::Cidr(self.cidr(*cidr)),
                    RouteDestination::PrefixList(id) => {
                        RouteDestination::PrefixList(self.id_of(id))
                    }
                    RouteDestination::Ipv6(text) => RouteDestination::Ipv6(self.ipv6(text)),
                };
                self.id(target);
            }
        }
        for acl in network_acls.iter_mut() {
            let NetworkAcl {
                id,
                vpc_id,
                is_default: _,
                subnet_ids,
                entries,
            } = acl;
            self.id(id);
            self.id(vpc_id);
            self.ids(subnet_ids);
            for entry in entries {
                let NaclEntry {
                    rule_number: _,
                    egress: _,
                    protocol: _,
                    action: _,
                    cidr,
                    port_range: _,
                    ipv6_cidr,
                } = entry;
                if let Some(cidr) = cidr {
                    *cidr = self.cidr(*cidr);
                }
                if let Some(block) = ipv6_cidr {
                    *block = self.ipv6(block);
                }
            }
        }
    }

    fn endpoints(&mut self, endpoints: &mut [VpcEndpoint]) {
        for endpoint in endpoints.iter_mut() {
            let VpcEndpoint {
                id,
                vpc_id,
                service_name,
                endpoint_type: _,
                state: _,
                private_dns_enabled: _,
                subnet_ids,
                network_interfaces,
                security_group_ids,
                route_table_ids,
                policy,
                dns_names,
            } = endpoint;
            self.id(id);
            self.id(vpc_id);
            *service_name = self.text(service_name, false);
            self.ids(subnet_ids);
            for interface in network_interfaces {
                let EndpointInterface {
                    id,
                    subnet_id,
                    availability_zone: _,
                    private_ip,
                } = interface;
                self.id(id);
                self.id(subnet_id);
                *private_ip = self.ipv4(*private_ip);
            }
            self.ids(security_group_ids);
            self.ids(route_table_ids);
            if let Some(policy) = policy {
                self.json(policy);
            }
            for name in dns_names {
                *name = self.dns(name);
            }
        }
    }

    fn landing_zone(
        &mut self,
        zones: &mut [HostedZone],
        rules: &mut [ResolverRule],
        attachments: &mut [TransitGatewayAttachment],
        tables: &mut [TransitGatewayRouteTable],
        peerings: &mut [VpcPeeringConnection],
        instances: &mut [Ec2Instance],
    ) {
        for zone in zones.iter_mut() {
            let HostedZone {
                id,
                name,
                private: _,
                vpc_ids,
                records,
            } = zone;
            *id = self.zone_id(id);
            *name = self.dns(name);
            self.ids(vpc_ids);
            for record in records {
                let DnsRecord {
                    name,
                    record_type,
                    alias_target,
                    values,
                } = record;
                *name = self.dns(name);
                if let Some(target) = alias_target {
                    *target = self.dns(target);
                }
                for value in values {
                    *value = if record_type == "CNAME" {
                        self.dns(value)
                    } else if record_type == "AAAA" {
                        self.ipv6(value)
                    } else {
                        self.text(value, false)
                    };
                }
            }
        }
        for rule in rules.iter_mut() {
            let ResolverRule {
                id,
                domain_name,
                rule_type: _,
                target_ips,
                vpc_ids,
            } = rule;
            self.id(id);
            *domain_name = self.dns(domain_name);
            for target in target_ips {
                *target = self.text(target, false);
            }
            self.ids(vpc_ids);
        }
        for attachment in attachments.iter_mut() {
            let TransitGatewayAttachment {
                id,
                transit_gateway_id,
                resource_type: _,
                resource_id,
                state: _,
                association_route_table_id,
                subnet_ids,
            } = attachment;
            self.id(id);
            self.id(transit_gateway_id);
            self.id(resource_id);
            if let Some(table) = association_route_table_id {
                self.id(table);
            }
            self.ids(subnet_ids);
        }
        for table in tables.iter_mut() {
            let TransitGatewayRouteTable {
                id,
                transit_gateway_id,
                routes,
            } = table;
            self.id(id);
            self.id(transit_gateway_id);
            for route in routes {
                let TransitGatewayRoute {
                    destination,
                    attachment_ids,
                    state: _,
                    route_type: _,
                } = route;
                *destination = self.cidr(*destination);
                self.ids(attachment_ids);
            }
        }
        for peering in peerings.iter_mut() {
            let VpcPeeringConnection {
                id,
                requester_vpc_id,
                accepter_vpc_id,
                status: _,
            } = peering;
            self.id(id);
            self.id(requester_vpc_id);
            self.id(accepter_vpc_id);
        }
        for instance in instances.iter_mut() {
            let Ec2Instance {
                id,
                subnet_id,
                state: _,
                source_dest_check: _,
                public_ip,
                network_interface_ids,
            } = instance;
            self.id(id);
            self.id(subnet_id);
            if let Some(ip) = public_ip {
                *ip = self.public_ip(*ip);
            }
            self.ids(network_interface_ids);
        }
    }
}

/// The atoms (and their `-`/`_` parts) of `text`, and the IPv4 blocks it names.
fn collect_text(text: &str, taken: &mut HashSet<String>, blocks: &mut HashSet<(u32, u8)>) {
    for atom in text
        .split(|c: char| !is_word_char(c))
        .filter(|a| !a.is_empty())
    {
        taken.insert(atom.to_string());
        for part in atom.split(['-', '_']).filter(|p| !p.is_empty()) {
            taken.insert(part.to_string());
        }
    }
    for token in text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '/')) {
        let token = token.trim_matches(['.', '/']);
        let (address, length) = match token.split_once('/') {
            Some((address, length)) => (address, length.parse::<u8>().ok()),
            None => (token, Some(32)),
        };
        if let (Ok(address), Some(length)) = (address.parse::<Ipv4Addr>(), length)
            && length <= 32
        {
            let bits = u32::from(address);
            blocks.insert((bits & mask(length), length));
        }
    }
}

/// The longest known id prefix `id` starts with (`PREFIX-` then more), hex or not.
fn made_up_id_prefix(id: &str) -> Option<&'static str> {
    ID_PREFIXES
        .iter()
        .filter(|prefix| {
            id.strip_prefix(**prefix)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|rest| {
                    !rest.is_empty()
                        && rest
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                })
        })
        .max_by_key(|prefix| prefix.len())
        .copied()
}

/// `(prefix, hex)` when `atom` is `PREFIX-HEX` with 8 or 17 hex digits (lowercase).
fn id_parts(atom: &str) -> Option<(&'static str, &str)> {
    ID_PREFIXES.iter().find_map(|prefix| {
        let hex = atom.strip_prefix(prefix)?.strip_prefix('-')?;
        (matches!(hex.len(), 8 | 17)
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then_some((*prefix, hex))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_keep_their_words_and_lose_the_names_they_were_given() {
        let snapshot = Snapshot::new("111122223333", "us-east-1");
        let mut message =
            "service billing-api not found in cluster acme-payments (us-east-1); check --service and -v"
                .to_string();
        anonymize_all_with_messages(
            std::slice::from_ref(&snapshot),
            &mut [],
            &mut [&mut message],
            &[("cluster", "acme-payments"), ("service", "billing-api")],
        );
        assert!(
            !message.contains("billing") && !message.contains("acme"),
            "{message}"
        );
        assert!(
            message.contains("(us-east-1); check --service and -v"),
            "{message}"
        );
    }

    #[test]
    fn the_classifiers_words_are_read_from_its_code_not_its_tests() {
        for word in [
            "key", "space", "dial", "tcp", "exec", "format", "error", "Space",
        ] {
            assert!(is_classifier_word(word), "{word}");
        }
        for name in ["web", "prod", "ecsTaskExecutionRole", "team-web"] {
            assert!(!is_classifier_word(name), "{name}");
        }
    }

    fn mapper(snapshot: &Snapshot) -> Mapper {
        Mapper::new(std::slice::from_ref(snapshot))
    }

    #[test]
    fn a_wildcard_resource_still_matches_the_repositories_it_matched() {
        let mut mapper = mapper(&Snapshot::new("111122223333", "us-east-1"));
        let repository = mapper.arn("arn:aws:ecr:us-east-1:111122223333:repository/team-web/api");
        let pattern = mapper.arn("arn:aws:ecr:us-east-1:111122223333:repository/team-*");
        let other = mapper.arn("arn:aws:ecr:us-east-1:111122223333:repository/teamster");
        assert_eq!(
            repository,
            "arn:aws:ecr:us-east-1:000000000001:repository/repo1-repo2/repo3"
        );
        let prefix = pattern.strip_suffix('*').unwrap();
        assert!(repository.starts_with(prefix), "{pattern} vs {repository}");
        assert!(!other.starts_with(prefix), "{pattern} vs {other}");
        // The same name in free text, an image and a field gets the same placeholder.
        assert_eq!(mapper.name("repo", "team-web/api"), "repo1-repo2/repo3");
        assert_eq!(
            mapper.image("111122223333.dkr.ecr.us-east-1.amazonaws.com/team-web/api:1.2@sha256:ab"),
            "000000000001.dkr.ecr.us-east-1.amazonaws.com/repo1-repo2/repo3:1.2@sha256:ab"
        );
        assert_eq!(
            mapper.text(
                "pull access denied for team-web/api, repository does not exist",
                true
            ),
            "pull access denied for repo1-repo2/repo3, repository does not exist"
        );
    }

    #[test]
    fn aws_owned_names_stay() {
        let mut mapper = mapper(&Snapshot::new("111122223333", "us-east-1"));
        for kept in [
            "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
            "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*",
            "arn:aws:kms:us-east-1:111122223333:alias/aws/secretsmanager",
        ] {
            let mapped = mapper.arn(kept);
            assert_eq!(
                mapped.replace("000000000001", "111122223333"),
                kept,
                "{kept} became {mapped}"
            );
        }
        assert_eq!(
            mapper.dns("api.ecr.us-east-1.amazonaws.com"),
            "api.ecr.us-east-1.amazonaws.com"
        );
        assert_eq!(
            mapper.dns("registry.corp.example.com"),
            "domain1.domain2.domain3.com"
        );
    }

    fn vpc(id: &str, cidr: &str) -> Vpc {
        Vpc {
            id: id.into(),
            cidr_blocks: vec![cidr.parse().unwrap()],
            enable_dns_support: true,
            enable_dns_hostnames: true,
            dhcp_options_id: None,
            owner_id: None,
        }
    }

    fn subnet(id: &str, cidr: &str) -> Subnet {
        Subnet {
            id: id.into(),
            vpc_id: "vpc-0a1".into(),
            availability_zone: "us-east-1a".into(),
            cidr_block: Some(cidr.parse().unwrap()),
            map_public_ip_on_launch: false,
            ipv6_cidr_blocks: None,
            ipv6_native: false,
            enable_dns64: false,
            owner_id: None,
        }
    }

    #[test]
    fn blocks_move_whole_so_containment_and_the_resolver_address_are_kept() {
        let mut snapshot = Snapshot::new("111122223333", "us-east-1");
        snapshot.vpcs = vec![vpc("vpc-0a1", "10.0.0.0/16"), vpc("vpc-0b2", "10.1.0.0/20")];
        snapshot.subnets = vec![
            subnet("subnet-0a", "10.0.1.0/24"),
            subnet("subnet-0b", "10.0.2.0/26"),
        ];
        snapshot.dhcp_options = vec![DhcpOptions {
            id: "dopt-0a".into(),
            domain_name_servers: vec!["10.0.0.2".into(), "192.168.7.10".into()],
        }];
        let redacted = anonymize(&snapshot);
        let cidr = |text: &str| -> Ipv4Cidr { text.parse().unwrap() };
        let vpc_a = redacted
            .vpcs
            .iter()
            .find(|v| v.cidr_blocks[0].prefix_len() == 16);
        let vpc_a = vpc_a.unwrap().cidr_blocks[0];
        assert_ne!(vpc_a, cidr("10.0.0.0/16"));
        assert_ne!(
            vpc_a,
            cidr("10.1.0.0/16"),
            "moved away from every original block"
        );
        for subnet in &redacted.subnets {
            assert!(
                vpc_a.contains(&subnet.cidr_block.unwrap()),
                "{subnet:?} left {vpc_a}"
            );
        }
        assert_eq!(redacted.subnets[0].cidr_block.unwrap().prefix_len(), 24);
        let resolver: Ipv4Addr = redacted.dhcp_options[0].domain_name_servers[0]
            .parse()
            .unwrap();
        assert_eq!(
            resolver,
            vpc_a.nth_address(2),
            "base + 2 is still the VPC resolver"
        );
        let on_premises: Ipv4Addr = redacted.dhcp_options[0].domain_name_servers[1]
            .parse()
            .unwrap();
        assert!(cidr("192.168.0.0/16").contains_addr(on_premises));
        assert_ne!(on_premises, Ipv4Addr::new(192, 168, 7, 10));
        let vpc_b = redacted
            .vpcs
            .iter()
            .find(|v| v.cidr_blocks[0].prefix_len() == 20);
        assert!(!vpc_b.unwrap().cidr_blocks[0].overlaps(&vpc_a));
    }

    #[test]
    fn a_vpc_that_is_a_whole_range_stays_and_its_subnets_move_inside_it() {
        let mut snapshot = Snapshot::new("111122223333", "us-east-1");
        snapshot.vpcs = vec![vpc("vpc-0a1", "192.168.0.0/16")];
        snapshot.subnets = vec![
            subnet("subnet-0a", "192.168.1.0/24"),
            subnet("subnet-0b", "192.168.2.0/24"),
        ];
        let redacted = anonymize(&snapshot);
        let range: Ipv4Cidr = "192.168.0.0/16".parse().unwrap();
        assert_eq!(redacted.vpcs[0].cidr_blocks[0], range);
        for (before, after) in snapshot.subnets.iter().zip(&redacted.subnets) {
            assert!(range.contains(&after.cidr_block.unwrap()));
            assert!(
                snapshot
                    .subnets
                    .iter()
                    .all(|original| original.cidr_block != after.cidr_block),
                "{:?} stayed at an original place",
                before.cidr_block
            );
        }
        assert!(
            !redacted.subnets[0]
                .cidr_block
                .unwrap()
                .overlaps(&redacted.subnets[1].cidr_block.unwrap())
        );
    }

    #[test]
    fn ids_keep_their_prefix_and_length_and_free_text_follows_the_fields() {
        let mut mapper = mapper(&Snapshot::new("111122223333", "us-east-1"));
        assert_eq!(
            mapper.id_of("vpc-0a1b2c3d4e5f6a7b8"),
            "vpc-00000000000000001"
        );
        assert_eq!(mapper.id_of("sg-0123abcd"), "sg-00000001");
        assert_eq!(
            mapper.id_of("tgw-attach-0a1b2c3d4e5f6a7b8"),
            "tgw-attach-00000000000000001"
        );
        assert_eq!(
            mapper.text(
                "security group sg-0123abcd of vpc-0a1b2c3d4e5f6a7b8 (account 111122223333) at 10.0.1.5:443",
                true
            ),
            "security group sg-00000001 of vpc-00000000000000001 (account 000000000001) at 10.0.1.5:443",
            "an address the snapshot does not hold has no block to move with"
        );
        assert_eq!(
            mapper.uuid("1234abcd-12ab-34cd-56ef-1234567890ab"),
            "00000000-0000-4000-8000-000000000001"
        );
    }
}
