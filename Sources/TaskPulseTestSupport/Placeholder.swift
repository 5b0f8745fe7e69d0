enum _PlaceholderTaskPulseTestSupport {}
