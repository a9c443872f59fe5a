package dev.graft.serve;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The load generator's connection against a hand-written server that answers in each way HTTP/1.1 allows. */
class HttpConnectionTest {
    private ServerSocket server;
    private Thread acceptor;
    /** The request heads (request line and headers) and bodies the server received, in order. */
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final List<Integer> connections = new CopyOnWriteArrayList<>();

    /**
     * Starts a server that answers each request on a connection with {@code answer(n)} (n counts requests
     * over all connections) and closes the connection after it when the answer contains "Connection: close"
     * or has no length.
     */
    private URI start(Function<Integer, String> answer) throws IOException {
        return start(answer, false);
    }

    private URI start(Function<Integer, String> answer, boolean dropAfterEach) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofPlatform().daemon(true).start(() -> {
            int n = 0;
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    connections.add(n);
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                            StandardCharsets.ISO_8859_1));
                    OutputStream out = s.getOutputStream();
                    while (true) {
                        String requestLine = in.readLine();
                        if (requestLine == null) {
                            break;
                        }
                        StringBuilder head = new StringBuilder(requestLine).append('\n');
                        int length = 0;
                        for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) {
                            head.append(h).append('\n');
                            if (h.toLowerCase().startsWith("content-length:")) {
                                length = Integer.parseInt(h.substring(15).trim());
                            }
                        }
                        char[] body = new char[length];
                        int got = 0;
                        while (got < length) {
                            got += in.read(body, got, length - got);
                        }
                        received.add(head + new String(body));
                        String a = answer.apply(n++);
                        out.write(a.getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                        if (dropAfterEach || a.contains("Connection: close") || !a.contains("Content-Length")
                                && !a.contains("chunked")) {
                            break;
                        }
                    }
                } catch (IOException e) {
                    // the test closed the server socket
                }
            }
        });
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
            acceptor.join(2000);
        }
    }

    @Test
    void keepsOneConnectionForContentLengthAnswersAndSendsTheRequestAsPrepared() throws IOException {
        URI base = start(n -> "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
        byte[] request = HttpConnection.post(base, "/embed", "{\"inputs\":\"é\"}".getBytes(StandardCharsets.UTF_8),
                "k3y");
        try (HttpConnection c = new HttpConnection(base, 5000)) {
            for (int i = 0; i < 3; i++) {
                assertThat(c.exchange(request)).isEqualTo(200);
                assertThat(c.body()).isEqualTo("hello");
            }
        }
        assertThat(connections).hasSize(1);
        assertThat(received).hasSize(3);
        String first = received.get(0);
        assertThat(first).startsWith("POST /embed HTTP/1.1\n")
                .contains("Content-Type: application/json\n", "Authorization: Bearer k3y\n",
                        "Content-Length: 15\n") // "é" is two bytes in UTF-8
                .endsWith(new String("{\"inputs\":\"é\"}".getBytes(StandardCharsets.UTF_8),
                        StandardCharsets.ISO_8859_1));
    }

    @Test
    void readsChunkedAndCloseDelimitedAnswersAndReconnects() throws IOException {
        URI base = start(n -> switch (n) {
            case 0 -> "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=1\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n";
            case 1 -> "HTTP/1.1 429 Too Many Requests\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy";
            default -> "HTTP/1.0 200 OK\r\n\r\nto the end";
        });
        byte[] request = HttpConnection.post(base, "/predict", "{}".getBytes(StandardCharsets.UTF_8), null);
        try (HttpConnection c = new HttpConnection(base, 5000)) {
            assertThat(c.exchange(request)).isEqualTo(200);
            assertThat(c.body()).isEqualTo("Wikipedia");
            assertThat(c.exchange(request)).isEqualTo(429);
            assertThat(c.body()).isEqualTo("busy");
            assertThat(c.exchange(request)).isEqualTo(200); // on a new connection: the last one was closed
            assertThat(c.body()).isEqualTo("to the end");
        }
        assertThat(connections).containsExactly(0, 2); // the 429 said close: the third request opened the second
        assertThat(received.get(0)).doesNotContain("Authorization");
    }

    @Test
    void retriesOnceWhenTheServerDropsAKeptAliveConnection() throws IOException {
        // the server answers with a length, so the connection looks reusable, but closes it after every answer
        URI base = start(n -> "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n" + n % 10 + "!", true);
        byte[] request = HttpConnection.post(base, "/embed", new byte[0], null);
        try (HttpConnection c = new HttpConnection(base, 5000)) {
            for (int i = 0; i < 3; i++) {
                assertThat(c.exchange(request)).isEqualTo(200);
                assertThat(c.body()).isEqualTo(i + "!");
            }
        }
        assertThat(received).hasSize(3); // each request sent once: the failed write on the dead connection is retried
        assertThat(connections).hasSize(3);
    }

    @Test
    void refusesWhatItCannotSpeak() {
        assertThatThrownBy(() -> new HttpConnection(URI.create("https://127.0.0.1:1"), 1000))
                .hasMessageContaining("plain HTTP");
        assertThatThrownBy(() -> {
            try (HttpConnection c = new HttpConnection(URI.create("http://127.0.0.1:1"), 1000)) {
                c.exchange(new byte[0]);
            }
        }).isInstanceOf(IOException.class);
    }
}
