// Placeholder until the scoping helper lands its code.
