// Placeholder until the OTLP helper generates code.
