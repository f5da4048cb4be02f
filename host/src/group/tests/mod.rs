//! Tests of the coordinator as a whole, through [`super::Coordinator`].
