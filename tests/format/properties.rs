//! Property tests: generated records with any characters, keys and number spellings.

use proptest::prelude::*;

use super::format;
use super::json_model::J;
use super::read_back::{assert_csv_matches_flattened, assert_xml_matches};

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(any::<char>(), 0..10).prop_map(|chars| chars.into_iter().collect()),
        prop::sample::select(vec![
            "",
            "=1+1",
            "a,b",
            "\"q\"",
            "<&]]>",
            "line\nbreak",
            "\r",
            "x.y",
            "@odata.type",
            "1st",
            "a:b",
            "\u{0}",
            "\u{ffff}",
            "\u{202e}",
            "😀",
            "item",
            "field",
        ])
        .prop_map(str::to_string),
    ]
}

fn any_value() -> impl Strategy<Value = J> {
    let number = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        prop::sample::select(vec![
            "1.50",
            "-0",
            "0.0",
            "1e3",
            "2.5E-7",
            "-1.0e+2",
            "123456789012345678901234567890"
        ])
        .prop_map(str::to_string),
    ];
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        number.prop_map(J::Num),
        any_text().prop_map(J::Str),
    ];
    leaf.prop_recursive(4, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(J::Arr),
            object(inner),
        ]
    })
}

/// An object with distinct keys.
fn object(values: impl Strategy<Value = J>) -> impl Strategy<Value = J> {
    prop::collection::vec((any_text(), values), 0..5).prop_map(|mut entries| {
        let mut seen = std::collections::HashSet::new();
        entries.retain(|(key, _)| seen.insert(key.clone()));
        J::Obj(entries)
    })
}

/// Records and their NDJSON text (some lines with every non-ASCII character escaped).
fn any_records() -> impl Strategy<Value = (Vec<J>, String)> {
    prop::collection::vec((object(any_value()), any::<bool>()), 1..8).prop_map(|records| {
        let mut text = String::new();
        for (record, escape) in &records {
            record.write(*escape, &mut text);
            text.push('\n');
        }
        (records.into_iter().map(|(r, _)| r).collect(), text)
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn xml_is_well_formed_and_carries_every_value((records, text) in any_records()) {
        let out = format(&["-t", "xml"], text);
        out.assert_code(0);
        assert_xml_matches(&out.stdout_text(), &records);
    }

    #[test]
    fn csv_parses_back_to_the_same_cells((records, text) in any_records()) {
        let out = format(&["-t", "csv"], text);
        out.assert_code(0);
        assert_csv_matches_flattened(&out.stdout_text(), &records);
    }

    #[test]
    fn json_and_ndjson_round_trip_byte_for_byte((_records, text) in any_records()) {
        let out = format(&["-t", "ndjson"], text.clone());
        out.assert_code(0);
        prop_assert_eq!(out.stdout_text(), text.clone());
        let lines: Vec<&str> = text.lines().collect();
        let out = format(&["-t", "json"], text.clone());
        prop_assert_eq!(out.stdout_text(), format!("[\n{}\n]\n", lines.join(",\n")));
        let pretty = format(&["-t", "json", "--pretty"], text.clone()).stdout_text();
        let pretty: serde_json::Value = serde_json::from_str(&pretty).unwrap();
        let input: Vec<serde_json::Value> = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
        prop_assert_eq!(pretty, serde_json::Value::Array(input));
    }
}
