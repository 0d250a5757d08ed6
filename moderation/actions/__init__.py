"""The one write path for moderation: every action checks, writes, logs once, and tells."""
