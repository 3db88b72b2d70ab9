-- The PostgreSQL triggers of migration 0004 (see 0004_status_counts.sql).
CREATE FUNCTION shares_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE status_counts SET n = n - 1 WHERE account = OLD.owner_account AND region = OLD.region AND kind = 'share' AND status = OLD.status;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO status_counts (account, region, kind, status, n) VALUES (NEW.owner_account, NEW.region, 'share', NEW.status, 1)
            ON CONFLICT (account, region, kind, status) DO UPDATE SET n = status_counts.n + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER shares_counted_insert_delete AFTER INSERT OR DELETE ON resource_shares FOR EACH ROW EXECUTE FUNCTION shares_counted();
CREATE TRIGGER shares_counted_update AFTER UPDATE OF status ON resource_shares FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION shares_counted();
CREATE FUNCTION associations_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE status_counts SET n = n - 1 WHERE account = OLD.owner_account AND region = OLD.region AND kind = OLD.association_type AND status = OLD.status;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO status_counts (account, region, kind, status, n) VALUES (NEW.owner_account, NEW.region, NEW.association_type, NEW.status, 1)
            ON CONFLICT (account, region, kind, status) DO UPDATE SET n = status_counts.n + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER associations_counted_insert_delete AFTER INSERT OR DELETE ON associations FOR EACH ROW EXECUTE FUNCTION associations_counted();
CREATE TRIGGER associations_counted_update AFTER UPDATE OF status ON associations FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION associations_counted();
CREATE FUNCTION invitations_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE status_counts SET n = n - 1 WHERE account = OLD.sender_account AND region = OLD.region AND kind = 'invitation' AND status = OLD.status;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO status_counts (account, region, kind, status, n) VALUES (NEW.sender_account, NEW.region, 'invitation', NEW.status, 1)
            ON CONFLICT (account, region, kind, status) DO UPDATE SET n = status_counts.n + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER invitations_counted_insert_delete AFTER INSERT OR DELETE ON invitations FOR EACH ROW EXECUTE FUNCTION invitations_counted();
CREATE TRIGGER invitations_counted_update AFTER UPDATE OF status ON invitations FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION invitations_counted();
