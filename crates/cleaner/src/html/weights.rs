//! The scoring weights in one place, with the values tuned on the development sets. The
//! extraction bench can load another set from TOML (`--weights FILE`) to sweep them; fields
//! left out keep their defaults.

use serde::Deserialize;

/// Every number the HTML extractor scores with.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    /// Added to an element whose class or id names a body ("entry-content", "post-body").
    pub class_positive: f32,
    /// Subtracted from an element whose class or id names boilerplate ("sidebar", "share").
    pub class_negative: f32,
    /// Class bonuses count in full only for elements with at least this many characters of
    /// text; smaller boxes get a proportional share (a 40-character "post-meta" box must not
    /// outrank the body on its name).
    pub class_full_chars: f32,
    /// Added for `itemprop="articleBody"` or `itemprop="text"`.
    pub itemprop_body: f32,
    /// Added for an `<article>` element.
    pub article_tag: f32,
    /// Tag bonus of containers (div, article, main, section).
    pub tag_container: f32,
    /// Tag bonus of text-like blocks (pre, td, blockquote).
    pub tag_textlike: f32,
    /// Tag bonus of list-like blocks and forms (negative).
    pub tag_listlike: f32,
    /// Tag bonus of headings and table headers (negative).
    pub tag_heading: f32,
    /// A block needs this many characters of its own text to score its ancestors in full.
    pub min_paragraph_chars: u32,
    /// Blocks shorter than that score this share of a full paragraph's base score per
    /// character ratio (short table cells and list lines that together make a body).
    pub short_block_share: f32,
    /// A class-named boilerplate block holding more than this share of the page's text is a
    /// layout wrapper, not boilerplate.
    pub wrapper_share: f32,
    /// Another candidate scoring at least this share of the best pulls the choice up to their
    /// common ancestor (an article in sibling chunks).
    pub chunk_ratio: f32,
    /// How many levels up that common ancestor may be (page builders and forums: 4-10).
    pub chunk_levels: u32,
    /// Most link density of that common ancestor.
    pub chunk_max_link_density: f32,
    /// A top candidate around the choice scoring at least this share of the best replaces it
    /// (0 turns this off).
    pub ancestor_ratio: f32,
    /// Siblings of the chosen block are taken when they score this share of it.
    pub sibling_share: f32,
    /// ... and at least this much.
    pub sibling_min: f32,
    /// Share of the chosen block's score given to siblings with its class.
    pub same_class_bonus: f32,
    /// Repeated blocks (same tag and class as the chosen block's branch) are merged from an
    /// ancestor at most this many levels up (posts, answers, cards, steps).
    pub repeat_levels: u32,
    /// Most link density of the repeated blocks together.
    pub repeat_max_link_density: f32,
    /// The repeated blocks together must hold at least this multiple of the chosen text.
    pub repeat_gain: f32,
    /// When the choice holds less than this share of the text of the `<main>` around it (a
    /// page of many sections), the whole `<main>` is read (0 turns this off).
    pub main_share: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            class_positive: 25.0,
            class_negative: 25.0,
            class_full_chars: 2000.0,
            itemprop_body: 50.0,
            article_tag: 10.0,
            tag_container: 5.0,
            tag_textlike: 3.0,
            tag_listlike: -3.0,
            tag_heading: -5.0,
            min_paragraph_chars: 25,
            short_block_share: 0.5,
            wrapper_share: 0.5,
            chunk_ratio: 0.75,
            chunk_levels: 10,
            chunk_max_link_density: 0.35,
            ancestor_ratio: 0.8,
            sibling_share: 0.2,
            sibling_min: 10.0,
            same_class_bonus: 0.2,
            repeat_levels: 10,
            repeat_max_link_density: 0.5,
            repeat_gain: 1.5,
            main_share: 0.5,
        }
    }
}

/// A weights file that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("weights: {0}")]
pub struct WeightsError(#[from] toml::de::Error);

impl Weights {
    /// Weights from TOML; missing fields keep their defaults.
    pub fn from_toml(text: &str) -> Result<Self, WeightsError> {
        Ok(toml::from_str(text)?)
    }
}

/// How one extraction pass reads the page: with the weights, strict (boilerplate by class and
/// hidden styles dropped, link text discounted) or relaxed (the retry for pages where the
/// strict pass found almost nothing: listings of links, bodies in "sidebar"-named layouts or
/// hidden-until-script wrappers).
#[derive(Clone, Copy)]
pub(super) struct Ctx<'w> {
    pub(super) w: &'w Weights,
    pub(super) relaxed: bool,
}
