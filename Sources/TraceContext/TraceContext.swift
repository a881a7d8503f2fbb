// Placeholder until the TraceContext helper lands its code.
