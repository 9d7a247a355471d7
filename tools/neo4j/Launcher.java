// A Neo4j 5.26 Community server for tests and local use: the embedded database with its Bolt
// connector on 127.0.0.1, started without Docker. Run as a single-file program:
//
//   java -cp 'tools/neo4j/lib/*' tools/neo4j/Launcher.java --port 7687 --data DIR [--watch-stdin]
//
// The password of the `neo4j` user comes from the environment (NEO4J_PASSWORD), never from the
// command line (which other users of the machine can read). When the database is up the launcher
// prints one line, `READY bolt://127.0.0.1:PORT`, and keeps serving until it is stopped (SIGTERM,
// Ctrl-C) or, with --watch-stdin, until its standard input closes: a parent that holds the other
// end of a pipe (pytest) takes the server with it however it ends, even when it is killed.
// The launcher also exits when its parent process goes away (checked every second).

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.QueryExecutionException;
import org.neo4j.io.ByteUnit;

public final class Launcher {
    private Launcher() {}

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable e) { // Neo4j's own threads would keep a JVM without main alive
            System.err.println("neo4j launcher: " + e);
            e.printStackTrace();
            exit(1);
        }
    }

    /** Exit, running the shutdown hook; halt if the database takes over 30 s to close. */
    private static void exit(int status) {
        Thread guard = new Thread(() -> {
            try {
                Thread.sleep(30_000);
            } catch (InterruptedException e) {
                return;
            }
            Runtime.getRuntime().halt(status);
        }, "warmpath-neo4j-exit-guard");
        guard.setDaemon(true);
        guard.start();
        System.exit(status);
    }

    private static void run(String[] args) throws Exception {
        int port = 7687;
        Path data = null;
        boolean watchStdin = false;
        boolean temporary = false;
        long pageCacheMb = 256;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--data" -> data = Path.of(args[++i]);
                case "--page-cache-mb" -> pageCacheMb = Long.parseLong(args[++i]);
                case "--watch-stdin" -> watchStdin = true;
                default -> fail("unknown argument " + args[i]
                        + " (use --port N, --data DIR, --page-cache-mb N, --watch-stdin)");
            }
        }
        String password = System.getenv("NEO4J_PASSWORD");
        if (password == null || password.length() < 8) {
            fail("set NEO4J_PASSWORD (8 characters or more) for the neo4j user");
        }
        if (data == null) {
            data = Files.createTempDirectory("warmpath-neo4j-");
            temporary = true;
        }
        Files.createDirectories(data);

        if (watchStdin) {
            Thread watcher = new Thread(() -> {
                waitForEof(System.in);
                exit(0);
            }, "warmpath-neo4j-stdin");
            watcher.setDaemon(true);
            watcher.start();
        }
        Optional<ProcessHandle> parent = ProcessHandle.current().parent();
        Thread orphanCheck = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
                if (parent.isEmpty() || !parent.get().isAlive()) {
                    exit(0);
                }
            }
        }, "warmpath-neo4j-parent");
        orphanCheck.setDaemon(true);
        orphanCheck.start();

        DatabaseManagementService service = new DatabaseManagementServiceBuilder(data)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMb))
                .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofMinutes(10))
                .build();
        final Path dataDir = data;
        final boolean deleteData = temporary;
        CountDownLatch stopped = new CountDownLatch(1);
        Thread shutdown = new Thread(() -> {
            service.shutdown();
            if (deleteData) {
                deleteTree(dataDir);
            }
            stopped.countDown();
        }, "warmpath-neo4j-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);

        try {
            setPassword(service, password);
        } catch (RuntimeException e) {
            System.err.println("neo4j launcher: " + e.getMessage());
            exit(1); // runs the shutdown hook: the database closes, nothing keeps running
        }

        System.out.println("READY bolt://127.0.0.1:" + port);
        System.out.flush();
        stopped.await();
    }

    private static void setPassword(DatabaseManagementService service, String password) {
        GraphDatabaseService system = service.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
        try {
            system.executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                    Map.of("password", password));
        } catch (QueryExecutionException e) {
            // a database kept from an earlier start already has this password
            if (!String.valueOf(e.getMessage()).contains("cannot be the same")) {
                throw e;
            }
        }
    }

    private static void waitForEof(InputStream in) {
        byte[] buffer = new byte[256];
        try {
            while (in.read(buffer) >= 0) {
                // keep reading: only the end of the stream matters
            }
        } catch (IOException e) {
            // a broken pipe is the parent going away, too
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not delete " + root + ": " + e.getMessage());
        }
    }

    private static void fail(String message) {
        System.err.println("neo4j launcher: " + message);
        System.exit(2);
    }
}
