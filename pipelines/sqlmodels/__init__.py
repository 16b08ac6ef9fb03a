"""SQL models: every computed table is one SQL file (``sql/<schema>/<table>.sql``) and one
contract (``sql/<schema>/<table>.yml``); everything else is generated from those two."""
