//! Topic names, validated as Kafka validates them (`org.apache.kafka.common.internals.Topic`).

use super::error::LogError;

/// Kafka's limit: a partition directory `<topic>-<partition>` must fit in 255 bytes.
pub const MAX_TOPIC_NAME_LEN: usize = 249;

/// Accepts 1 to 249 characters from `[a-zA-Z0-9._-]`, except `.` and `..`.
pub fn validate_topic_name(name: &str) -> Result<(), LogError> {
    let invalid = |reason: String| LogError::InvalidTopicName {
        name: name.to_owned(),
        reason,
    };
    if name.is_empty() {
        return Err(invalid("the name is empty".into()));
    }
    if name == "." || name == ".." {
        return Err(invalid("\".\" and \"..\" are not allowed".into()));
    }
    if name.len() > MAX_TOPIC_NAME_LEN {
        return Err(invalid(format!(
            "{} characters, the limit is {MAX_TOPIC_NAME_LEN}",
            name.len()
        )));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(invalid(format!("character {bad:?} is not one of [a-zA-Z0-9._-]")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kafka_valid_names_pass() {
        for name in ["orders", "a", "Orders.v2_eu-west", "..a", "...", &"x".repeat(249)] {
            validate_topic_name(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn kafka_invalid_names_fail_with_a_reason() {
        for (name, reason) in [
            ("", "empty"),
            (".", "not allowed"),
            ("..", "not allowed"),
            ("a/b", "'/'"),
            ("spa ce", "' '"),
            ("ü", "'ü'"),
            (&"x".repeat(250), "250 characters"),
        ] {
            let error = validate_topic_name(name).unwrap_err().to_string();
            assert!(error.contains(reason), "{name:?}: {error}");
        }
    }
}
