-- Viewers, access tokens, linked accounts, pending link states, audit log.

CREATE TABLE viewers (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);

-- Only the SHA-256 of a token is kept; prefix is its display form.
CREATE TABLE access_tokens (
    hash         BYTEA PRIMARY KEY,
    prefix       TEXT NOT NULL UNIQUE,
    viewer_id    TEXT NOT NULL REFERENCES viewers (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    expires_at   TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX access_tokens_viewer ON access_tokens (viewer_id);

-- credentials is an AES-GCM blob bound to id; key_id names its key so
-- rotation and the start-up check need not open it.
CREATE TABLE accounts (
    id               TEXT PRIMARY KEY,
    viewer_id        TEXT NOT NULL REFERENCES viewers (id) ON DELETE CASCADE,
    provider         TEXT NOT NULL,
    provider_user_id TEXT NOT NULL,
    display_name     TEXT NOT NULL DEFAULT '',
    credentials      BYTEA NOT NULL,
    key_id           TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'NEEDS_RELINK')),
    linked_at        TIMESTAMPTZ NOT NULL,
    refreshed_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (viewer_id, provider)
);
CREATE INDEX accounts_key ON accounts (key_id);

-- key_hash is the SHA-256 of the provider and the callback's key; secret,
-- when present, is sealed and bound to key_hash.
CREATE TABLE link_states (
    key_hash   BYTEA PRIMARY KEY,
    viewer_id  TEXT NOT NULL REFERENCES viewers (id) ON DELETE CASCADE,
    provider   TEXT NOT NULL,
    secret     BYTEA,
    key_id     TEXT,
    return_url TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX link_states_expires ON link_states (expires_at);

CREATE TABLE audit_log (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    viewer_id TEXT NOT NULL REFERENCES viewers (id) ON DELETE CASCADE,
    provider  TEXT NOT NULL,
    group_id  TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_log_viewer ON audit_log (viewer_id, id);
