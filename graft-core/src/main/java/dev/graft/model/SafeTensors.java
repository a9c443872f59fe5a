package dev.graft.model;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.graft.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Reads and writes the Hugging Face safetensors format
 * (<a href="https://github.com/huggingface/safetensors">github.com/huggingface/safetensors</a>,
 * "Format"): an unsigned 64-bit little-endian header length {@code N}, {@code N} bytes of UTF-8
 * JSON {@code {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}},
 * then the data buffer, little-endian and row-major, offsets relative to the buffer's start.
 *
 * <p>Reading accepts F32, F16 and BF16 (converted to {@code float}) and I64 and I32 (as
 * {@code long}). It checks the file as strictly as the reference Rust implementation: the header
 * must be a JSON object whose tensors tile the data buffer exactly, in some order, with no gap,
 * overlap or trailing byte, and each tensor's byte count must equal its shape times its dtype
 * size. Every problem is reported as a {@link FormatException} that names the file, says what is
 * wrong and what to do. Tensor data is streamed through a small buffer, so files of any size
 * (beyond 2 GB) read fine as long as each tensor fits in a Java array.
 *
 * <p>Writing produces F32 only, in the reference writer's layout: {@code "__metadata__"} first,
 * tensors sorted by name (UTF-8 byte order), the header padded with spaces to a multiple of 8
 * bytes. The file is written to a temporary name in the same directory, forced to disk, then
 * renamed over the target, so a crash never leaves a half-written file under the real name.
 */
public final class SafeTensors {

    /** Key of the string-to-string metadata map in the header. */
    public static final String METADATA_KEY = "__metadata__";

    /** Largest header accepted, as the reference implementation (100 MB). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** Largest array a JVM reliably allocates. */
    private static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    /** Bytes moved per read or write call; tensors are streamed through a buffer of this size. */
    private static final int CHUNK_BYTES = 1 << 22;

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private SafeTensors() {
    }

    /** Element types: the safetensors dtype name and its size in bytes. */
    public static final class DType {
        public static final String F32 = "F32";
        public static final String F16 = "F16";
        public static final String BF16 = "BF16";
        public static final String I64 = "I64";
        public static final String I32 = "I32";

        /** The types graft reads, with their byte sizes. */
        static final Map<String, Integer> READABLE = Map.of(F32, 4, F16, 2, BF16, 2, I64, 8, I32, 4);

        /** Valid safetensors types graft does not read (so the error can say "convert" instead of "corrupt"). */
        static final Set<String> OTHER_KNOWN = Set.of("BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0",
                "F4", "F6_E2M3", "F6_E3M2", "I16", "U16", "U32", "F64", "U64", "C64");

        private DType() {
        }

        /** Whether {@code dtype} converts to {@code float} on reading. */
        public static boolean isFloat(String dtype) {
            return F32.equals(dtype) || F16.equals(dtype) || BF16.equals(dtype);
        }
    }

    /** A file's format is broken; the message names the file, the problem and the remedy. */
    public static final class FormatException extends IOException {
        private final Path file;

        public FormatException(Path file, String problem) {
            super(file + ": " + problem);
            this.file = file;
        }

        public FormatException(Path file, String problem, Throwable cause) {
            super(file + ": " + problem, cause);
            this.file = file;
        }

        /** The file that failed to parse. */
        public Path file() {
            return file;
        }
    }

    /**
     * One tensor's header entry.
     *
     * @param name  tensor name
     * @param dtype safetensors dtype, one of {@link DType}'s constants
     * @param shape dimensions, row-major; {@code []} for a scalar
     * @param begin first byte, relative to the data buffer
     * @param end   one past the last byte, relative to the data buffer
     */
    public record TensorInfo(String name, String dtype, int[] shape, long begin, long end) {
        public TensorInfo {
            shape = shape.clone();
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        /** Number of elements (1 for a scalar). */
        public long elementCount() {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TensorInfo t && name.equals(t.name) && dtype.equals(t.dtype)
                    && Arrays.equals(shape, t.shape) && begin == t.begin && end == t.end;
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
        }

        @Override
        public String toString() {
            return name + " " + dtype + Arrays.toString(shape) + " @[" + begin + ", " + end + ")";
        }
    }

    /**
     * A tensor read from a file: floats for F32/F16/BF16, longs for I64/I32. Asking for the other
     * kind fails with a message that names the file, the tensor and its dtype.
     *
     * @param name   tensor name
     * @param dtype  dtype as stored in the file
     * @param shape  dimensions, row-major; {@code []} for a scalar
     * @param floats values of a float tensor, else null
     * @param longs  values of an integer tensor, else null
     * @param file   the file it came from (for messages)
     */
    public record Entry(String name, String dtype, int[] shape, float[] floats, long[] longs, Path file) {
        public Entry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(dtype, "dtype");
            shape = shape.clone();
            if ((floats == null) == (longs == null)) {
                throw new IllegalArgumentException("tensor '" + name + "' must hold exactly one of floats or longs");
            }
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        /** The values of a float tensor (F32, F16 or BF16, converted to float); not a copy. */
        @Override
        public float[] floats() {
            if (floats == null) {
                throw wrongKind("an integer tensor", "a float tensor", "longs()");
            }
            return floats;
        }

        /** The values of an integer tensor (I64 or I32, widened to long); not a copy. */
        @Override
        public long[] longs() {
            if (longs == null) {
                throw wrongKind("a float tensor", "an integer tensor", "floats()");
            }
            return longs;
        }

        private IllegalStateException wrongKind(String held, String expected, String reader) {
            return new IllegalStateException(file + ": tensor '" + name + "' is " + dtype + Arrays.toString(shape)
                    + ", " + held + ", where " + expected + " was expected; read it with " + reader + ", or check"
                    + " that the name refers to the tensor you meant");
        }

        /** Whether this holds floats. */
        public boolean isFloat() {
            return floats != null;
        }

        /** Number of elements (1 for a scalar). */
        public int size() {
            return floats != null ? floats.length : longs.length;
        }

        /** The float values as a tensor of this shape (sharing the array). */
        public Tensor toTensor() {
            return Tensor.of(floats(), shape);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && name.equals(e.name) && dtype.equals(e.dtype)
                    && Arrays.equals(shape, e.shape) && Arrays.equals(floats, e.floats)
                    && Arrays.equals(longs, e.longs);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, dtype, Arrays.hashCode(shape), Arrays.hashCode(floats), Arrays.hashCode(longs));
        }

        @Override
        public String toString() {
            return name + " " + dtype + Arrays.toString(shape);
        }
    }

    /**
     * A float tensor to write.
     *
     * @param name   tensor name; not empty, not {@value #METADATA_KEY}
     * @param shape  dimensions, row-major; {@code []} for a scalar
     * @param values {@code product(shape)} floats, row-major (not copied)
     */
    public record Named(String name, int[] shape, float[] values) {
        public Named {
            Objects.requireNonNull(name, "tensor name");
            Objects.requireNonNull(shape, "shape of tensor '" + name + "'");
            Objects.requireNonNull(values, "values of tensor '" + name + "'");
            shape = shape.clone();
            long n = checkedElementCount(name, shape);
            if (n != values.length) {
                throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(shape)
                        + " = " + n + " elements but " + values.length + " values");
            }
        }

        /** A copy of a tensor view's values under a name. */
        public static Named of(String name, Tensor tensor) {
            return new Named(name, tensor.shape(), tensor.toArray());
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Named n && name.equals(n.name) && Arrays.equals(shape, n.shape)
                    && Arrays.equals(values, n.values);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, Arrays.hashCode(shape), Arrays.hashCode(values));
        }

        @Override
        public String toString() {
            return name + " F32" + Arrays.toString(shape);
        }
    }

    /**
     * A parsed and validated header. Tensors can be read from it one at a time, so a large file is
     * never held in memory at once.
     *
     * @param file       the file
     * @param tensors    tensor entries in header order
     * @param metadata   the {@value #METADATA_KEY} map, empty when absent
     * @param dataStart  absolute position of the data buffer ({@code 8 + N})
     * @param dataLength bytes in the data buffer
     */
    public record Header(Path file, Map<String, TensorInfo> tensors, Map<String, String> metadata,
                         long dataStart, long dataLength) {
        public Header {
            tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }

        /** The entry for {@code name}, or a clear error listing what the file has. */
        public TensorInfo info(String name) throws FormatException {
            TensorInfo info = tensors.get(name);
            if (info == null) {
                throw new FormatException(file, "has no tensor '" + name + "'; it has " + tensors.size()
                        + " tensors: " + abbreviatedNames(tensors.keySet()));
            }
            return info;
        }

        /** Reads one tensor. */
        public Entry read(String name) throws IOException {
            TensorInfo info = info(name);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                return readTensor(channel, this, info, transferBuffer(List.of(info)));
            }
        }

        /** Reads the tensors whose names {@code wanted} accepts, in header order. */
        public Map<String, Entry> read(Predicate<String> wanted) throws IOException {
            Map<String, Entry> out = new LinkedHashMap<>();
            List<TensorInfo> selected = tensors.values().stream().filter(t -> wanted.test(t.name())).toList();
            if (selected.isEmpty()) {
                return out;
            }
            ByteBuffer buffer = transferBuffer(selected);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                for (TensorInfo info : selected) {
                    out.put(info.name(), readTensor(channel, this, info, buffer));
                }
            }
            return out;
        }

        /**
         * Reads floating-point tensors straight into the storage of {@code targets} (file name to a
         * tensor of the same shape), in header order, with no copy in between: loading a model's weights
         * touches each value once. Integer tensors cannot be read this way.
         */
        public void readInto(Map<String, Tensor> targets) throws IOException {
            List<TensorInfo> selected = new ArrayList<>();
            for (TensorInfo info : tensors.values()) {
                Tensor t = targets.get(info.name());
                if (t == null) {
                    continue;
                }
                if (!DType.isFloat(info.dtype())) {
                    throw new FormatException(file, "tensor '" + info.name() + "' is stored as " + info.dtype()
                            + ", not as floating-point values; is this the weights file of the model being loaded?");
                }
                if (!Arrays.equals(info.shape(), t.shape())) {
                    throw new FormatException(file, "tensor '" + info.name() + "' has shape "
                            + Arrays.toString(info.shape()) + " but " + Arrays.toString(t.shape())
                            + " was expected; is this the weights file of the model being loaded?");
                }
                selected.add(info);
            }
            for (String name : targets.keySet()) {
                info(name); // a clear error for a name the file lacks
            }
            if (selected.isEmpty()) {
                return;
            }
            ByteBuffer buffer = transferBuffer(selected);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                for (TensorInfo info : selected) {
                    Tensor t = targets.get(info.name());
                    readElements(channel, this, info, buffer, t.data(), t.offset(), null);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------ reading

    /** All tensors of {@code file}, in header order. */
    public static Map<String, Entry> read(Path file) throws IOException {
        return header(file).read(name -> true);
    }

    /** The tensors of {@code file} whose names {@code wanted} accepts, in header order. */
    public static Map<String, Entry> read(Path file, Predicate<String> wanted) throws IOException {
        return header(file).read(wanted);
    }

    /** The {@value #METADATA_KEY} map of {@code file}, empty when it has none. */
    public static Map<String, String> metadata(Path file) throws IOException {
        return header(file).metadata();
    }

    /** Parses and validates the header of {@code file} without reading tensor data. */
    public static Header header(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        if (!Files.isRegularFile(file)) {
            throw new FormatException(file, Files.exists(file) ? "is not a regular file"
                    : "does not exist; check the path");
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long fileSize = channel.size();
            if (fileSize < 8) {
                throw new FormatException(file, "is " + fileSize + " bytes long, too short for a safetensors file"
                        + " (it starts with an 8-byte header length); the file is truncated or not safetensors:"
                        + " re-download or re-save it");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0, file);
            long headerLength = lengthBytes.flip().getLong();
            long available = fileSize - 8;
            if (headerLength < 0 || headerLength > available) {
                throw new FormatException(file, "header length field says " + Long.toUnsignedString(headerLength)
                        + " bytes but only " + available + " bytes follow it: the file is truncated or is not"
                        + " a safetensors file; re-download or re-save it");
            }
            if (headerLength > MAX_HEADER_BYTES) {
                throw new FormatException(file, "header length field says " + headerLength + " bytes, more than"
                        + " the " + MAX_HEADER_BYTES + " the format allows: this is not a safetensors file");
            }
            if (headerLength < 2) {
                throw new FormatException(file, "header is " + headerLength + " bytes, too short to hold a JSON"
                        + " object: the file is not a valid safetensors file; re-save it");
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
            readFully(channel, headerBytes, 8, file);
            return parseHeader(file, headerBytes.array(), 8 + headerLength, available - headerLength);
        }
    }

    private static Header parseHeader(Path file, byte[] headerBytes, long dataStart, long dataLength)
            throws FormatException {
        JsonNode root;
        try {
            root = JSON.readTree(headerBytes);
        } catch (JacksonException e) {
            throw new FormatException(file, "header is not valid JSON (" + e.getOriginalMessage() + " at "
                    + describe(e) + "): the file is corrupt or not safetensors; re-download or re-save it", e);
        } catch (IOException e) {
            throw new FormatException(file, "header could not be parsed: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new FormatException(file, "header is JSON but not an object (it is " + kind(root) + "); a"
                    + " safetensors header maps tensor names to {dtype, shape, data_offsets}: re-save the file");
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (name.equals(METADATA_KEY)) {
                parseMetadata(file, value, metadata);
            } else {
                tensors.put(name, parseTensorInfo(file, name, value, dataLength));
            }
        }
        checkTiling(file, tensors.values(), dataLength);
        return new Header(file, tensors, metadata, dataStart, dataLength);
    }

    private static void parseMetadata(Path file, JsonNode value, Map<String, String> metadata) throws FormatException {
        if (value.isNull()) {
            return;
        }
        if (!value.isObject()) {
            throw new FormatException(file, "header field \"" + METADATA_KEY + "\" is " + kind(value)
                    + ", not an object of strings; re-save the file with string metadata");
        }
        for (Map.Entry<String, JsonNode> entry : value.properties()) {
            if (!entry.getValue().isTextual()) {
                throw new FormatException(file, "metadata value for \"" + entry.getKey() + "\" is "
                        + kind(entry.getValue()) + " but safetensors metadata values must be strings;"
                        + " re-save the file with string metadata");
            }
            metadata.put(entry.getKey(), entry.getValue().textValue());
        }
    }

    private static TensorInfo parseTensorInfo(Path file, String name, JsonNode node, long dataLength)
            throws FormatException {
        String where = "tensor '" + name + "'";
        if (!node.isObject()) {
            throw new FormatException(file, where + " is described by " + kind(node) + " instead of an object"
                    + " {dtype, shape, data_offsets}: the header is corrupt; re-save the file");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new FormatException(file, where + " has " + (dtypeNode == null ? "no" : "a non-string")
                    + " \"dtype\": the header is corrupt; re-save the file");
        }
        String dtype = dtypeNode.textValue();
        Integer elementBytes = DType.READABLE.get(dtype);
        if (elementBytes == null) {
            String readable = String.join(", ", DType.READABLE.keySet().stream().sorted().toList());
            throw new FormatException(file, DType.OTHER_KNOWN.contains(dtype)
                    ? where + " has dtype " + dtype + ", which graft does not read (it reads " + readable
                    + "); convert the tensor before saving, e.g. in PyTorch t.float() or t.long()"
                    : where + " has unknown dtype \"" + dtype + "\" (graft reads " + readable
                    + "): the header is corrupt or from a newer format; re-save the file");
        }

        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new FormatException(file, where + " has " + (shapeNode == null ? "no" : "a non-array")
                    + " \"shape\": the header is corrupt; re-save the file");
        }
        int[] shape = new int[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0 || d.longValue() > Integer.MAX_VALUE) {
                throw new FormatException(file, where + " has shape " + shapeNode + " whose dimension " + i
                        + " is not an integer in [0, " + Integer.MAX_VALUE + "]: the header is corrupt;"
                        + " re-save the file");
            }
            shape[i] = d.intValue();
        }

        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2
                || !isNonNegativeLong(offsets.get(0)) || !isNonNegativeLong(offsets.get(1))) {
            throw new FormatException(file, where + " has " + (offsets == null ? "no \"data_offsets\""
                    : "data_offsets " + offsets + " instead of two non-negative integers [begin, end]")
                    + ": the header is corrupt; re-save the file");
        }
        long begin = offsets.get(0).longValue();
        long end = offsets.get(1).longValue();
        if (end < begin) {
            throw new FormatException(file, where + " declares data_offsets [" + begin + ", " + end + ") that end"
                    + " before they begin: the header is corrupt; re-save the file");
        }

        long elements;
        try {
            elements = 1;
            for (int d : shape) {
                elements = Math.multiplyExact(elements, d);
            }
            long expected = Math.multiplyExact(elements, elementBytes.longValue());
            if (end - begin != expected) {
                throw new FormatException(file, where + " has shape " + Arrays.toString(shape) + " of " + dtype
                        + " = " + elements + " x " + elementBytes + " = " + expected + " bytes but data_offsets ["
                        + begin + ", " + end + ") span " + (end - begin) + " bytes: the header does not match the"
                        + " data; the file is corrupt, re-save it");
            }
        } catch (ArithmeticException e) {
            throw new FormatException(file, where + " has shape " + Arrays.toString(shape) + " whose size"
                    + " overflows 64 bits: the header is corrupt; re-save the file");
        }
        if (end > dataLength) {
            throw new FormatException(file, where + " declares " + (end - begin) + " bytes at [" + begin + ", "
                    + end + ") but the file's data section has only " + dataLength + " bytes: the file is"
                    + " truncated; re-download or re-save it");
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    /** The reference implementation's rule: sorted by offset, tensors cover [0, dataLength) exactly. */
    private static void checkTiling(Path file, Collection<TensorInfo> infos, long dataLength) throws FormatException {
        List<TensorInfo> sorted = new ArrayList<>(infos);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long position = 0;
        TensorInfo previous = null;
        for (TensorInfo t : sorted) {
            if (t.begin() < position) {
                throw new FormatException(file, "tensor '" + t.name() + "' at [" + t.begin() + ", " + t.end()
                        + ") overlaps tensor '" + previous.name() + "' at [" + previous.begin() + ", "
                        + previous.end() + "): the header is corrupt; re-save the file");
            }
            if (t.begin() > position) {
                throw new FormatException(file, "bytes [" + position + ", " + t.begin() + ") of the data section"
                        + " belong to no tensor (gap " + (previous == null ? "before the first tensor"
                        : "after '" + previous.name() + "'") + " before '" + t.name() + "'); safetensors data"
                        + " must be contiguous: the header is corrupt; re-save the file");
            }
            position = t.end();
            previous = t;
        }
        if (position != dataLength) {
            throw new FormatException(file, "the tensors cover " + position + " bytes but the data section has "
                    + dataLength + ": " + (dataLength - position) + " trailing bytes belong to no tensor; the file"
                    + " was appended to or its header is corrupt; re-save it");
        }
    }

    /** One buffer for a whole read: as large as the largest tensor, at most {@link #CHUNK_BYTES}. */
    private static ByteBuffer transferBuffer(Collection<TensorInfo> infos) {
        long largest = 8;
        for (TensorInfo t : infos) {
            largest = Math.max(largest, t.end() - t.begin());
        }
        return ByteBuffer.allocateDirect((int) Math.min(CHUNK_BYTES, largest)).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static Entry readTensor(FileChannel channel, Header header, TensorInfo info, ByteBuffer buffer)
            throws IOException {
        long count = info.elementCount();
        if (count > MAX_ARRAY_LENGTH) {
            throw new FormatException(header.file(), "tensor '" + info.name() + "' has " + count + " elements,"
                    + " more than a Java array holds; split it before saving");
        }
        int n = (int) count;
        float[] floats = DType.isFloat(info.dtype()) ? new float[n] : null;
        long[] longs = floats == null ? new long[n] : null;
        readElements(channel, header, info, buffer, floats, 0, longs);
        return new Entry(info.name(), info.dtype(), info.shape(), floats, longs, header.file());
    }

    /**
     * Reads the {@code info.elementCount()} elements of one tensor: floating-point ones as floats into
     * {@code floats} from {@code floatOffset}, integer ones into {@code longs}.
     */
    private static void readElements(FileChannel channel, Header header, TensorInfo info, ByteBuffer buffer,
                                     float[] floats, int floatOffset, long[] longs) throws IOException {
        int n = (int) info.elementCount();
        int elementBytes = DType.READABLE.get(info.dtype());
        int perChunk = buffer.capacity() / elementBytes;
        long position = header.dataStart() + info.begin();
        for (int done = 0; done < n; ) {
            int m = Math.min(perChunk, n - done);
            buffer.clear().limit(m * elementBytes);
            readFully(channel, buffer, position, header.file());
            buffer.flip();
            int at = floatOffset + done;
            switch (info.dtype()) {
                case DType.F32 -> buffer.asFloatBuffer().get(floats, at, m);
                case DType.F16 -> {
                    for (int i = 0; i < m; i++) {
                        floats[at + i] = Float.float16ToFloat(buffer.getShort(2 * i));
                    }
                }
                case DType.BF16 -> {
                    for (int i = 0; i < m; i++) {
                        floats[at + i] = Float.intBitsToFloat((buffer.getShort(2 * i) & 0xFFFF) << 16);
                    }
                }
                case DType.I64 -> buffer.asLongBuffer().get(longs, done, m);
                case DType.I32 -> {
                    for (int i = 0; i < m; i++) {
                        longs[done + i] = buffer.getInt(4 * i);
                    }
                }
                default -> throw new IllegalStateException("unhandled dtype " + info.dtype());
            }
            done += m;
            position += (long) m * elementBytes;
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position, Path file) throws IOException {
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position);
            if (read < 0) {
                throw new FormatException(file, "ended at byte " + position + " while reading: the file was"
                        + " truncated or changed while being read; re-download or re-save it");
            }
            position += read;
        }
    }

    // ------------------------------------------------------------------------------------ writing

    /** Writes named tensor views (no copies), F32, with {@code metadata}; see {@link #write(Path, Collection, Map)}. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        List<SafeTensorsWriter.Slab> slabs = new ArrayList<>(tensors.size());
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = Objects.requireNonNull(e.getValue(), "tensor '" + e.getKey() + "'");
            slabs.add(new SafeTensorsWriter.Slab(Objects.requireNonNull(e.getKey(), "tensor name"), t.shape(), t.data(), t.offset(), t.size()));
        }
        SafeTensorsWriter.write(file, slabs, metadata);
    }

    /**
     * Writes {@code tensors} as F32 with {@code metadata} (may be empty or null): names sorted,
     * header padded to a multiple of 8, written to a temporary file in the same directory,
     * forced to disk and atomically renamed over {@code file}.
     */
    public static void write(Path file, Collection<Named> tensors, Map<String, String> metadata) throws IOException {
        List<SafeTensorsWriter.Slab> slabs = new ArrayList<>(tensors.size());
        for (Named t : tensors) {
            slabs.add(new SafeTensorsWriter.Slab(t.name(), t.shape, t.values(), 0, t.values().length));
        }
        SafeTensorsWriter.write(file, slabs, metadata);
    }

    // ------------------------------------------------------------------------------------ helpers

    static long checkedElementCount(String name, int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a negative dimension in shape "
                        + Arrays.toString(shape));
            }
            n *= d;
            if (n > MAX_ARRAY_LENGTH) {
                throw new IllegalArgumentException("tensor '" + name + "' shape " + Arrays.toString(shape)
                        + " has more elements than a Java array holds");
            }
        }
        return n;
    }

    private static boolean isNonNegativeLong(JsonNode node) {
        return node != null && node.isIntegralNumber() && node.canConvertToLong() && node.longValue() >= 0;
    }

    private static String kind(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "empty";
        }
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> node.getNodeType().toString().toLowerCase();
        };
    }

    private static String describe(JacksonException e) {
        var location = e.getLocation();
        return location == null ? "unknown position" : "header byte " + location.getByteOffset();
    }

    private static String abbreviatedNames(Collection<String> names) {
        List<String> list = new ArrayList<>(names);
        if (list.size() <= 12) {
            return String.join(", ", list);
        }
        return String.join(", ", list.subList(0, 12)) + ", ... (" + (list.size() - 12) + " more)";
    }
}
