-- Private calendar feeds (issue 14): each person's open milestone items as an ICS address that
-- calendar apps subscribe to. The token is the address's only key: it grants reading that one
-- feed and nothing else. It is kept as is (the Profile shows the address again); resetting it
-- replaces it, which ends the old address.
CREATE TABLE calendar_feeds (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token      TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
