package se.samverkan.neo4j;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;

/**
 * Runs Neo4j Community embedded with its Bolt connector, so that machines without Docker
 * get a real Neo4j server that the official Python driver talks to like any other.
 *
 * <p>Started by {@code registry db start}; every setting arrives as a flag, the password
 * through the environment (flags are visible in {@code ps}). Prints one {@code READY} line
 * on stdout when Bolt accepts connections, and one {@code neo4j-launcher: error: ...} line
 * on stderr with exit code 2 when it cannot start, so the caller can explain the failure
 * in a sentence instead of a stack trace.
 */
public final class Launcher {

    private Launcher() {
    }

    public static void main(String[] args) {
        Map<String, String> opts = parseArgs(args);
        Path home = Path.of(opts.getOrDefault("home", "var/neo4j")).toAbsolutePath();
        String host = opts.getOrDefault("host", "127.0.0.1");
        int port = Integer.parseInt(opts.getOrDefault("port", "7687"));
        String pagecache = opts.getOrDefault("pagecache", "512m");
        String txMemory = opts.getOrDefault("tx-memory", "1g");
        String importDir = opts.get("import-dir");
        String user = envOr("NEO4J_USER", "neo4j");
        String password = System.getenv("NEO4J_PASSWORD");
        if (password == null || password.length() < 8) {
            fail("NEO4J_PASSWORD must be set and at least 8 characters long (Neo4j's own minimum).");
        }

        // Fail fast, in one sentence, before Neo4j spends seconds starting and then dies on bind.
        checkPortFree(host, port);

        Map<String, String> config = new java.util.TreeMap<>();
        config.put("server.bolt.enabled", "true");
        config.put("server.bolt.listen_address", host + ":" + port);
        config.put("server.bolt.advertised_address", host + ":" + port);
        config.put("server.default_advertised_address", host);
        config.put("server.bolt.tls_level", "DISABLED");
        config.put("dbms.security.auth_enabled", "true");
        config.put("server.memory.pagecache.size", pagecache);
        config.put("dbms.memory.transaction.total.max", txMemory);
        // Bolt otherwise waits 5 s twice on shutdown for idle connections; a local server has none worth waiting for.
        config.put("internal.server.bolt.thread_pool_shutdown_wait_time", "1s");
        config.put("internal.server.bolt.connection_shutdown_wait_time", "1s");
        // Keep transaction logs small: this is a local development and CI server, not a backup source.
        config.put("db.tx_log.rotation.retention_policy", "2 files");
        config.put("db.tx_log.rotation.size", "64M");
        if (importDir != null) {
            try {
                Files.createDirectories(Path.of(importDir));
            } catch (IOException e) {
                fail("cannot create import directory " + importDir + ": " + e.getMessage());
            }
            config.put("server.directories.import", Path.of(importDir).toAbsolutePath().toString());
            config.put("dbms.security.allow_csv_import_from_file_urls", "true");
        }

        DatabaseManagementService dbms;
        try {
            Files.createDirectories(home.resolve("conf"));
            // Written anew at every start from the flags, so the file always shows what is in force.
            Path conf = home.resolve("conf").resolve("neo4j.conf");
            StringBuilder text = new StringBuilder("# Written by neo4j-launcher at start; edits are overwritten.\n");
            config.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
            Files.writeString(conf, text.toString());
            dbms = new DatabaseManagementServiceBuilder(home).loadPropertiesFromFile(conf).build();
        } catch (Throwable t) {
            fail(explain(t, home, port));
            return;
        }

        try {
            ensureUser(dbms, user, password);
        } catch (Throwable t) {
            dbms.shutdown();
            fail("could not set the password of user " + user + ": " + rootMessage(t));
        }

        CountDownLatch stopped = new CountDownLatch(1);
        final DatabaseManagementService running = dbms;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // SIGTERM and SIGINT land here: flush and close the store so the next start needs no recovery.
            System.err.println("neo4j-launcher: shutting down");
            running.shutdown();
            stopped.countDown();
        }, "neo4j-shutdown"));

        System.out.println("READY bolt://" + host + ":" + port + " home=" + home);
        System.out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Makes the configured user exist with the configured password; runs at every start so the environment decides. */
    private static void ensureUser(DatabaseManagementService dbms, String user, String password) {
        GraphDatabaseService system = dbms.database("system");
        Map<String, Object> params = Map.of("user", user, "password", password);
        if (!"neo4j".equals(user)) {
            system.executeTransactionally(
                    "CREATE USER $user IF NOT EXISTS SET PASSWORD $password CHANGE NOT REQUIRED", params);
        }
        try {
            system.executeTransactionally("ALTER USER $user SET PASSWORD $password CHANGE NOT REQUIRED", params);
        } catch (RuntimeException e) {
            // Neo4j refuses to "change" a password to the one already set; that is the state we want.
            if (!rootMessage(e).contains("cannot be the same")) {
                throw e;
            }
            system.executeTransactionally("ALTER USER $user SET PASSWORD CHANGE NOT REQUIRED", Map.of("user", user));
        }
    }

    private static void checkPortFree(String host, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
        } catch (IOException e) {
            fail("port " + port + " on " + host + " is already in use; stop what uses it or choose another with NEO4J_LOCAL_PORT.");
        }
    }

    private static String explain(Throwable t, Path home, int port) {
        String message = rootMessage(t);
        String all = chainMessages(t);
        if (all.contains("store_lock") || all.contains("FileLock") || all.contains("locked by another process")) {
            return "the data directory " + home + " is locked by another Neo4j process; stop it first (registry db stop) or choose another NEO4J_LOCAL_HOME.";
        }
        if (all.contains("Address already in use") || all.contains("BindException")) {
            return "port " + port + " is already in use; stop what uses it or choose another with NEO4J_LOCAL_PORT.";
        }
        return "Neo4j did not start: " + message;
    }

    private static String chainMessages(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getClass().getName()).append(": ").append(c.getMessage()).append('\n');
            for (Throwable s : c.getSuppressed()) {
                sb.append(s.getClass().getName()).append(": ").append(s.getMessage()).append('\n');
            }
        }
        return sb.toString();
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + ": " + c.getMessage();
    }

    private static Map<String, String> parseArgs(String[] args) {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || i + 1 >= args.length) {
                fail("usage: Launcher --home DIR --port N [--host H] [--pagecache 512m] [--tx-memory 1g] [--import-dir DIR]");
            }
            opts.put(a.substring(2), args[++i]);
        }
        return opts;
    }

    private static String envOr(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    private static void fail(String message) {
        System.err.println("neo4j-launcher: error: " + message);
        System.err.flush();
        Runtime.getRuntime().halt(2);
    }
}
