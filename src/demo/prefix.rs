//! The demo gateway's prefix cache, as vLLM and llama-server keep one: a prompt is cut into
//! blocks, each named by a hash of everything up to its end, and a request whose leading blocks
//! were seen recently has that part "prefilled" already: its first token comes sooner, and
//! `usage.prompt_tokens_details.cached_tokens` says how many prompt tokens were read from cache.
//! Bounded: the least recently used blocks are forgotten first. Pure.

use std::collections::{BTreeMap, HashMap};

/// Bytes of prompt per block (about 64 tokens of English).
pub const BLOCK: usize = 256;

/// Blocks remembered across all models.
pub const CAPACITY: usize = 32_768;

/// A prompt's blocks: the chained hash at the end of each whole block, and its length in bytes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Blocks {
    pub hashes: Vec<u64>,
    pub bytes: usize,
}

/// FNV-1a, continued from `h`: stable across runs and platforms, as the demo's script must be.
fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The blocks of a prompt to `model`: its messages' roles and texts, in order.
pub fn blocks<'a>(model: &str, messages: impl IntoIterator<Item = (&'a str, &'a str)>) -> Blocks {
    let mut h = fnv(0xcbf2_9ce4_8422_2325, model.as_bytes());
    let (mut out, mut in_block) = (Blocks::default(), 0usize);
    let mut feed = |bytes: &[u8], out: &mut Blocks| {
        let mut rest = bytes;
        while !rest.is_empty() {
            let take = rest.len().min(BLOCK - in_block);
            h = fnv(h, &rest[..take]);
            (in_block, rest) = (in_block + take, &rest[take..]);
            out.bytes += take;
            if in_block == BLOCK {
                out.hashes.push(h);
                in_block = 0;
            }
        }
    };
    for (role, text) in messages {
        feed(role.as_bytes(), &mut out);
        feed(b"\x1f", &mut out);
        feed(text.as_bytes(), &mut out);
        feed(b"\x1e", &mut out);
    }
    out
}

/// Recently seen blocks, least recently used first out.
#[derive(Debug, Default)]
pub struct PrefixCache {
    last_used: HashMap<u64, u64>,
    by_age: BTreeMap<u64, u64>,
    tick: u64,
}

impl PrefixCache {
    /// How many prompt tokens of `prompt_tokens` the cache holds for `b` (its leading blocks
    /// seen before, in proportion); then remember all of `b`'s blocks.
    pub fn serve(&mut self, b: &Blocks, prompt_tokens: usize) -> usize {
        let hit = b
            .hashes
            .iter()
            .take_while(|h| self.last_used.contains_key(h))
            .count();
        for h in &b.hashes {
            self.touch(*h);
        }
        if b.bytes == 0 {
            return 0;
        }
        // Like OpenAI's, never the whole prompt: the last token is always computed.
        (prompt_tokens * hit * BLOCK / b.bytes).min(prompt_tokens.saturating_sub(1))
    }

    fn touch(&mut self, h: u64) {
        self.tick += 1;
        if let Some(old) = self.last_used.insert(h, self.tick) {
            self.by_age.remove(&old);
        }
        self.by_age.insert(self.tick, h);
        while self.last_used.len() > CAPACITY {
            let Some((_, oldest)) = self.by_age.pop_first() else {
                break;
            };
            self.last_used.remove(&oldest);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.last_used.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(n: usize, seed: char) -> String {
        std::iter::repeat_n(seed, n).collect()
    }

    #[test]
    fn a_repeated_prefix_is_served_from_cache_in_proportion() {
        let mut c = PrefixCache::default();
        let sys = text(1000, 's');
        let first = blocks("m", [("system", sys.as_str()), ("user", "hi")]);
        assert_eq!(first.hashes.len(), first.bytes / BLOCK);
        assert_eq!(c.serve(&first, 260), 0, "nothing seen yet");
        // The same conversation, one turn longer: its first blocks are the first prompt's.
        let longer = text(2000, 'a');
        let second = blocks(
            "m",
            [
                ("system", sys.as_str()),
                ("user", "hi"),
                ("assistant", longer.as_str()),
                ("user", "more"),
            ],
        );
        let hit = first.bytes / BLOCK;
        assert_eq!(second.hashes[..hit], first.hashes[..hit]);
        let want = 800 * hit * BLOCK / second.bytes;
        assert_eq!(c.serve(&second, 800), want);
        assert!(want > 200, "{want}");
        // Asked again whole: every block hits, the last token is still computed.
        assert_eq!(
            c.serve(&second, 800),
            800 * second.hashes.len() * BLOCK / second.bytes
        );
        assert_eq!(
            c.serve(&blocks("m", [("user", "hi")]), 3),
            0,
            "under a block"
        );
    }

    #[test]
    fn prefixes_are_per_model_and_must_lead() {
        let mut c = PrefixCache::default();
        let body = text(5000, 'x');
        c.serve(&blocks("a", [("user", body.as_str())]), 1000);
        assert_eq!(c.serve(&blocks("b", [("user", body.as_str())]), 1000), 0);
        // The same text after a different opening shares no leading block.
        let other = blocks("a", [("system", "be brief"), ("user", body.as_str())]);
        assert_eq!(c.serve(&other, 1000), 0);
        let same = blocks("a", [("user", body.as_str())]);
        assert!(c.serve(&same, 1000) >= 900);
        assert_eq!(c.serve(&blocks("a", []), 0), 0);
    }

    #[test]
    fn the_cache_stays_bounded_and_forgets_the_oldest_first() {
        let mut c = PrefixCache::default();
        let keep = blocks("m", [("user", text(BLOCK * 4, 'k').as_str())]);
        c.serve(&keep, 400);
        for i in 0..(CAPACITY / 8 + 10) {
            let t = format!("{i:08}").repeat(BLOCK);
            c.serve(&blocks("m", [("user", t.as_str())]), 800);
            if i % 100 == 0 {
                // Kept in use, so never the oldest.
                assert!(c.serve(&keep, 400) > 0, "at {i}");
            }
            assert!(c.len() <= CAPACITY);
        }
        assert_eq!(c.len(), CAPACITY);
        let first_filler = format!("{:08}", 1).repeat(BLOCK);
        assert_eq!(
            c.serve(&blocks("m", [("user", first_filler.as_str())]), 800),
            0,
            "an early filler was forgotten"
        );
    }
}
