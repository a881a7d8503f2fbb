// Placeholder until the QueryText helper lands its code.
