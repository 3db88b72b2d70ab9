-- The SQLite triggers of migration 0004 (see 0004_status_counts.sql). The counter row is created
-- with NOT EXISTS rather than INSERT OR IGNORE: an outer upsert overrides a trigger's conflict policy.
CREATE TRIGGER shares_counted_insert AFTER INSERT ON resource_shares BEGIN
    INSERT INTO status_counts (account, region, kind, status, n) SELECT NEW.owner_account, NEW.region, 'share', NEW.status, 0 WHERE NOT EXISTS (SELECT 1 FROM status_counts WHERE account = NEW.owner_account AND region = NEW.region AND kind = 'share' AND status = NEW.status);
    UPDATE status_counts SET n = n + 1 WHERE account = NEW.owner_account AND region = NEW.region AND kind = 'share' AND status = NEW.status;
END;
CREATE TRIGGER shares_counted_update AFTER UPDATE OF status ON resource_shares WHEN OLD.status <> NEW.status BEGIN
    UPDATE status_counts SET n = n - 1 WHERE account = OLD.owner_account AND region = OLD.region AND kind = 'share' AND status = OLD.status;
    INSERT INTO status_counts (account, region, kind, status, n) SELECT NEW.owner_account, NEW.region, 'share', NEW.status, 0 WHERE NOT EXISTS (SELECT 1 FROM status_counts WHERE account = NEW.owner_account AND region = NEW.region AND kind = 'share' AND status = NEW.status);
    UPDATE status_counts SET n = n + 1 WHERE account = NEW.owner_account AND region = NEW.region AND kind = 'share' AND status = NEW.status;
END;
CREATE TRIGGER shares_counted_delete AFTER DELETE ON resource_shares BEGIN
    UPDATE status_counts SET n = n - 1 WHERE account = OLD.owner_account AND region = OLD.region AND kind = 'share' AND status = OLD.status;
END;
CREATE TRIGGER associations_counted_insert AFTER INSERT ON associations BEGIN
    INSERT INTO status_counts (account, region, kind, status, n) SELECT NEW.owner_account, NEW.region, NEW.association_type, NEW.status, 0 WHERE NOT EXISTS (SELECT 1 FROM status_counts WHERE account = NEW.owner_account AND region = NEW.region AND kind = NEW.association_type AND status = NEW.status);
    UPDATE status_counts SET n = n + 1 WHERE account = NEW.owner_account AND region = NEW.region AND kind = NEW.association_type AND status = NEW.status;
END;
CREATE TRIGGER associations_counted_update AFTER UPDATE OF status ON associations WHEN OLD.status <> NEW.status BEGIN
    UPDATE status_counts SET n = n - 1 WHERE account = OLD.owner_account AND region = OLD.region AND kind = OLD.association_type AND status = OLD.status;
    INSERT INTO status_counts (account, region, kind, status, n) SELECT NEW.owner_account, NEW.region, NEW.association_type, NEW.status, 0 WHERE NOT EXISTS (SELECT 1 FROM status_counts WHERE account = NEW.owner_account AND region = NEW.region AND kind = NEW.association_type AND status = NEW.status);
    UPDATE status_counts SET n = n + 1 WHERE account = NEW.owner_account AND region = NEW.region AND kind = NEW.association_type AND status = NEW.status;
END;
CREATE TRIGGER associations_counted_delete AFTER DELETE ON associations BEGIN
    UPDATE status_counts SET n = n - 1 WHERE account = OLD.owner_account AND region = OLD.region AND kind = OLD.association_type AND status = OLD.status;
END;
CREATE TRIGGER invitations_counted_insert AFTER INSERT ON invitations BEGIN
    INSERT INTO status_counts (account, region, kind, status, n) SELECT NEW.sender_account, NEW.region, 'invitation', NEW.status, 0 WHERE NOT EXISTS (SELECT 1 FROM status_counts WHERE account = NEW.sender_account AND region = NEW.region AND kind = 'invitation' AND status = NEW.status);
    UPDATE status_counts SET n = n + 1 WHERE account = NEW.sender_account AND region = NEW.region AND kind = 'invitation' AND status = NEW.status;
END;
CREATE TRIGGER invitations_counted_update AFTER UPDATE OF status ON invitations WHEN OLD.status <> NEW.status BEGIN
    UPDATE status_counts SET n = n - 1 WHERE account = OLD.sender_account AND region = OLD.region AND kind = 'invitation' AND status = OLD.status;
    INSERT INTO status_counts (account, region, kind, status, n) SELECT NEW.sender_account, NEW.region, 'invitation', NEW.status, 0 WHERE NOT EXISTS (SELECT 1 FROM status_counts WHERE account = NEW.sender_account AND region = NEW.region AND kind = 'invitation' AND status = NEW.status);
    UPDATE status_counts SET n = n + 1 WHERE account = NEW.sender_account AND region = NEW.region AND kind = 'invitation' AND status = NEW.status;
END;
CREATE TRIGGER invitations_counted_delete AFTER DELETE ON invitations BEGIN
    UPDATE status_counts SET n = n - 1 WHERE account = OLD.sender_account AND region = OLD.region AND kind = 'invitation' AND status = OLD.status;
END;
