"""Prompts, one module per feature, each a versioned `Prompt` with ru/en templates (see core.clients.ai.base)."""
