"""What every test folder shares to meet the outside world: the OTLP receiver, servers on sockets bound here,
waiting on conditions, and resetting ff-otel's process-wide state between tests."""
