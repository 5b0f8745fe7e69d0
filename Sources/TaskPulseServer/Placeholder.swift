enum _PlaceholderTaskPulseServer {}
