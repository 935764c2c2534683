"""What the three sample apps share: the flag file and provider, the demo accounts, telemetry set-up, jobs."""
