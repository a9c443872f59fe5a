package dev.graft.serve;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * One kept-alive HTTP/1.1 connection for the load generator: writes a request prepared once as bytes
 * and reads the answer's status and body (by {@code Content-Length}, chunked, or up to the close),
 * nothing more. A load generator that shares the machine with the server must cost little per
 * request, or it measures itself: the JDK's {@code HttpClient} spent about a millisecond of CPU per
 * request here (a third of a core at 330 requests/s), this a few tens of microseconds.
 *
 * <p>Not a general client: no TLS, no redirects, no 100-continue; plain {@code http://} only.
 * Not thread-safe: one per client thread.
 */
final class HttpConnection implements AutoCloseable {
    private final String host;
    private final int port;
    private final int timeoutMillis;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private byte[] body = new byte[8192];
    private int bodyLength;

    HttpConnection(URI base, int timeoutMillis) {
        if (!"http".equalsIgnoreCase(base.getScheme()) || base.getHost() == null) {
            throw new IllegalArgumentException("the load generator speaks plain HTTP: give a URL such as "
                    + "http://127.0.0.1:8080, not " + base);
        }
        this.host = base.getHost();
        this.port = base.getPort() < 0 ? 80 : base.getPort();
        this.timeoutMillis = timeoutMillis;
    }

    /** The request line, headers and body of a POST, ready to write. */
    static byte[] post(URI base, String path, byte[] json, String apiKey) {
        StringBuilder h = new StringBuilder(160);
        h.append("POST ").append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(base.getHost()).append(base.getPort() < 0 ? "" : ":" + base.getPort())
                .append("\r\nContent-Type: application/json\r\nContent-Length: ").append(json.length).append("\r\n");
        if (apiKey != null) {
            h.append("Authorization: Bearer ").append(apiKey).append("\r\n");
        }
        h.append("\r\n");
        byte[] head = h.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] all = Arrays.copyOf(head, head.length + json.length);
        System.arraycopy(json, 0, all, head.length, json.length);
        return all;
    }

    /** The request line and headers of a GET, ready to write. */
    static byte[] get(URI base, String path, String apiKey) {
        StringBuilder h = new StringBuilder(120);
        h.append("GET ").append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(base.getHost()).append(base.getPort() < 0 ? "" : ":" + base.getPort())
                .append("\r\n");
        if (apiKey != null) {
            h.append("Authorization: Bearer ").append(apiKey).append("\r\n");
        }
        return h.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Sends {@code request} and reads the answer; returns its status code. Reconnects when needed. */
    int exchange(byte[] request) throws IOException {
        boolean fresh = socket == null;
        if (fresh) {
            connect();
        }
        try {
            return roundTrip(request);
        } catch (IOException e) {
            close();
            if (fresh) {
                throw e;
            }
            connect(); // the server closed a kept-alive connection: one retry on a new one
            try {
                return roundTrip(request);
            } catch (IOException again) {
                close();
                throw again;
            }
        }
    }

    /** The last answer's body. */
    String body() {
        return new String(body, 0, bodyLength, StandardCharsets.UTF_8);
    }

    int bodyLength() {
        return bodyLength;
    }

    private void connect() throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), timeoutMillis);
        socket.setSoTimeout(timeoutMillis);
        in = new BufferedInputStream(socket.getInputStream(), 16384);
        out = socket.getOutputStream();
    }

    private int roundTrip(byte[] request) throws IOException {
        out.write(request);
        out.flush();
        String status = line();
        if (status.isEmpty()) {
            throw new EOFException("the server closed the connection");
        }
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP/1.x answer: " + status);
        }
        int code;
        try {
            code = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP status line: " + status, e);
        }
        long length = -1;
        boolean chunked = false;
        boolean closeAfter = parts[0].equals("HTTP/1.0");
        for (String header = line(); !header.isEmpty(); header = line()) {
            int colon = header.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = header.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "connection" -> closeAfter = value.equalsIgnoreCase("close");
                default -> {
                }
            }
        }
        bodyLength = 0;
        if (chunked) {
            for (long size = chunkSize(); size > 0; size = chunkSize()) {
                read(size);
                line(); // the CRLF after the chunk
            }
            for (String trailer = line(); !trailer.isEmpty(); trailer = line()) {
                // trailers are ignored
            }
        } else if (length >= 0) {
            read(length);
        } else if (code != 204 && code != 304) {
            readToEnd();
            closeAfter = true;
        }
        if (closeAfter) {
            close();
        }
        return code;
    }

    private long chunkSize() throws IOException {
        String l = line();
        int semi = l.indexOf(';');
        try {
            return Long.parseLong((semi < 0 ? l : l.substring(0, semi)).trim(), 16);
        } catch (NumberFormatException e) {
            throw new IOException("bad chunk size line: " + l, e);
        }
    }

    private void read(long n) throws IOException {
        if (bodyLength + n > Integer.MAX_VALUE - 16) {
            throw new IOException("answer too large: " + n + " bytes");
        }
        ensure(bodyLength + (int) n);
        int got = in.readNBytes(body, bodyLength, (int) n);
        if (got < n) {
            throw new EOFException("the answer ended after " + got + " of " + n + " bytes");
        }
        bodyLength += got;
    }

    private void readToEnd() throws IOException {
        int r;
        ensure(bodyLength + 4096);
        while ((r = in.read(body, bodyLength, body.length - bodyLength)) > 0) {
            bodyLength += r;
            ensure(bodyLength + 4096);
        }
    }

    private void ensure(int capacity) {
        if (capacity > body.length) {
            body = Arrays.copyOf(body, Math.max(capacity, body.length * 2));
        }
    }

    /** One header line without its CRLF ("" at the blank line or at the end of the stream). */
    private String line() throws IOException {
        StringBuilder sb = new StringBuilder(64);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a connection we are done with
            }
        }
        socket = null;
        in = null;
        out = null;
    }
}
