//! A JSON body printed as pretty JSON, one-line JSON or YAML, keeping the server's field order
//! (`serde_json::Value` sorts keys, and its `preserve_order` feature would change map order for
//! every crate built with this one), by transcoding the text directly.

use serde_transcode::Transcoder;

/// Pretty JSON (two-space indent), fields in the order received.
pub fn json(text: &str) -> Result<String, String> {
    let mut out = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    serde_transcode::transcode(&mut de, &mut serde_json::Serializer::pretty(&mut out))
        .and_then(|()| de.end())
        .map_err(|e| e.to_string())?;
    String::from_utf8(out).map_err(|e| e.to_string())
}

/// The same document on one line.
pub fn compact_json(text: &str) -> Result<String, String> {
    let mut out = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    serde_transcode::transcode(&mut de, &mut serde_json::Serializer::new(&mut out))
        .and_then(|()| de.end())
        .map_err(|e| e.to_string())?;
    String::from_utf8(out).map_err(|e| e.to_string())
}

/// YAML, fields in the order received.
pub fn yaml(text: &str) -> Result<String, String> {
    // Checked first: the transcoder cannot report trailing garbage.
    serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| e.to_string())?;
    let mut de = serde_json::Deserializer::from_str(text);
    serde_saphyr::to_string(&Transcoder::new(&mut de)).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"project":"p1","name":"lc1","deployedStatus":"Instantiated","deployedCounts":{"Applied":5},"clusters":[{"cluster":"edge01","n":1.5}]}"#;

    #[test]
    fn json_keeps_the_field_order() {
        let pretty = json(DOC).unwrap();
        assert!(
            pretty.starts_with("{\n  \"project\": \"p1\",\n  \"name\": \"lc1\",\n"),
            "{pretty}"
        );
        assert_eq!(compact_json(&pretty).unwrap(), DOC);
    }

    #[test]
    fn yaml_keeps_the_field_order() {
        let y = yaml(DOC).unwrap();
        let keys: Vec<&str> = y
            .lines()
            .filter(|l| !l.starts_with(' ') && !l.starts_with('-'))
            .filter_map(|l| l.split(':').next())
            .collect();
        assert_eq!(
            keys,
            [
                "project",
                "name",
                "deployedStatus",
                "deployedCounts",
                "clusters"
            ]
        );
        assert!(y.contains("Applied: 5"), "{y}");
    }

    #[test]
    fn text_that_is_not_json_is_an_error() {
        for bad in [
            "",
            "Logical Cloud not found",
            "{\"a\":1} trailing",
            "<html>",
        ] {
            assert!(json(bad).is_err(), "{bad}");
            assert!(compact_json(bad).is_err(), "{bad}");
            assert!(yaml(bad).is_err(), "{bad}");
        }
    }
}
