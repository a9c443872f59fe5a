package dev.graft.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

/**
 * The parts of an ONNX model file that weight import needs, read by a small hand-written protobuf
 * decoder: {@code ModelProto.graph} → {@code GraphProto} (nodes, initializers, input and output
 * names) → {@code NodeProto} (name, op_type, domain, inputs, outputs, attributes) and
 * {@code TensorProto} (name, dims, data_type, raw_data or the typed {@code *_data} fields). Field
 * numbers are those of {@code onnx/onnx.proto} (ONNX 1.x, IR version 3 and later; they have never
 * changed). Every other field is skipped by its wire type, so newer files read fine.
 *
 * <p><b>Why hand-written, not protobuf-java.</b> Five message types and a dozen fields are needed;
 * the decoder for them is a few hundred lines with no dependency. protobuf-java would add a 1.7 MB
 * runtime library to graft-core plus Java classes generated from {@code onnx.proto} by
 * {@code protoc} (no well-kept Maven artifact ships them), a build step graft does not otherwise
 * have, for no gain: the reader only walks the message tree once. Both share protobuf's 2 GB
 * message limit; ONNX files larger than that keep weights in external files, which graft rejects
 * with a message saying so.
 *
 * <p>Errors (a truncated file, a field of the wrong wire type, an unknown data type) are
 * {@link IOException}s naming the file, the message and the byte offset.
 *
 * @param file         the file read
 * @param irVersion    ModelProto.ir_version
 * @param producer     "pytorch 2.0.1" or whatever {@code producer_name producer_version} say
 * @param nodes        the graph's nodes, in file order
 * @param initializers initializers by name, in file order
 * @param inputNames   the graph's input names
 * @param outputNames  the graph's output names
 */
public record OnnxGraph(Path file, long irVersion, String producer, List<Node> nodes, Map<String, Tensor> initializers,
                        List<String> inputNames, List<String> outputNames) {
    /** TensorProto.DataType values graft reads. */
    public static final int FLOAT = 1;
    public static final int UINT8 = 2;
    public static final int INT8 = 3;
    public static final int INT32 = 6;
    public static final int INT64 = 7;
    public static final int FLOAT16 = 10;
    public static final int DOUBLE = 11;
    public static final int BFLOAT16 = 16;

    /**
     * A tensor: an initializer or the value of a Constant node. Its data stays in the file's bytes
     * until {@link #floats()} or {@link #longs()} decodes it.
     *
     * @param name       TensorProto.name
     * @param dataType   TensorProto.DataType (1 = float, 7 = int64, ...)
     * @param dims       the dimensions ({@link #dims()} returns a copy)
     * @param raw        raw_data: a read-only view of the file's bytes, or null when there is none
     * @param floatData  float_data, or null
     * @param intData    int64_data or int32_data, or null
     * @param doubleData double_data, or null
     * @param external   whether the data is in an external file (which graft does not read)
     * @param where      the file, for messages
     */
    public record Tensor(String name, int dataType, long[] dims, ByteBuffer raw, float[] floatData, long[] intData,
                         double[] doubleData, boolean external, String where) {
        @Override
        public long[] dims() {
            return dims.clone();
        }

        /** The dims as ints, or an error if one exceeds int range. */
        public int[] shape() throws IOException {
            int[] s = new int[dims.length];
            for (int i = 0; i < dims.length; i++) {
                if (dims[i] < 0 || dims[i] > Integer.MAX_VALUE) {
                    throw new IOException(where + ": tensor '" + name + "' has dimension " + dims[i]);
                }
                s[i] = (int) dims[i];
            }
            return s;
        }

        public long elementCount() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }

        public boolean isFloatType() {
            return dataType == FLOAT || dataType == FLOAT16 || dataType == BFLOAT16 || dataType == DOUBLE;
        }

        /** The values as floats (float, float16, bfloat16 and double are converted). */
        public float[] floats() throws IOException {
            int n = readableCount(isFloatType(), "floating-point weights");
            float[] out = new float[n];
            if (raw != null) {
                ByteBuffer b = rawValues(n, bytesPer(dataType));
                for (int i = 0; i < n; i++) {
                    out[i] = switch (dataType) {
                        case FLOAT -> b.getFloat();
                        case DOUBLE -> (float) b.getDouble();
                        case FLOAT16 -> Float.float16ToFloat(b.getShort());
                        default -> Float.intBitsToFloat((b.getShort() & 0xffff) << 16); // bfloat16
                    };
                }
                return out;
            }
            if (dataType == FLOAT) {
                return expect(floatData, n).clone();
            }
            if (dataType == DOUBLE) {
                double[] d = doubleData == null ? new double[0] : doubleData;
                if (d.length != n) {
                    throw countMismatch(d.length, n);
                }
                for (int i = 0; i < n; i++) {
                    out[i] = (float) d[i];
                }
                return out;
            }
            // float16 and bfloat16 without raw_data are stored in int32_data, one value per element
            long[] bits = expect(intData, n);
            for (int i = 0; i < n; i++) {
                out[i] = dataType == FLOAT16 ? Float.float16ToFloat((short) bits[i])
                        : Float.intBitsToFloat(((int) bits[i] & 0xffff) << 16);
            }
            return out;
        }

        /** The values of an int8 or uint8 tensor (quantized weights and zero points), widened to int. */
        public int[] bytesAsInts() throws IOException {
            int n = readableCount(dataType == INT8 || dataType == UINT8, "8-bit integers");
            int[] out = new int[n];
            if (raw != null) {
                ByteBuffer b = rawValues(n, 1);
                for (int i = 0; i < n; i++) {
                    byte v = b.get();
                    out[i] = dataType == INT8 ? v : v & 0xff;
                }
                return out;
            }
            long[] v = expect(intData, n); // int8/uint8 without raw_data sit in int32_data
            for (int i = 0; i < n; i++) {
                out[i] = (int) v[i];
            }
            return out;
        }

        /** A float tensor made in memory (a graph rewrite's new initializer). */
        static Tensor ofFloats(String name, long[] dims, float[] values, String where) {
            return new Tensor(name, FLOAT, dims.clone(), null, values, null, null, false, where);
        }

        /** The values of an int64 or int32 tensor. */
        public long[] longs() throws IOException {
            int n = readableCount(dataType == INT64 || dataType == INT32, "integers");
            if (raw != null) {
                ByteBuffer b = rawValues(n, bytesPer(dataType));
                long[] out = new long[n];
                for (int i = 0; i < n; i++) {
                    out[i] = dataType == INT64 ? b.getLong() : b.getInt();
                }
                return out;
            }
            return expect(intData, n).clone();
        }

        /** The element count, once the data is known readable and of a type the caller reads ({@code ok}). */
        private int readableCount(boolean ok, String expected) throws IOException {
            checkReadable();
            int n = count();
            if (!ok) {
                throw new IOException(where + ": tensor '" + name + "' holds " + typeName(dataType)
                        + " values where " + expected + " were expected");
            }
            return n;
        }

        private void checkReadable() throws IOException {
            if (external) {
                throw new IOException(where + ": tensor '" + name + "' keeps its data in an external file, which "
                        + "graft does not read; re-export the model with the weights inside the .onnx file (under 2 GB)");
            }
        }

        private int count() throws IOException {
            long n = elementCount();
            if (n > Integer.MAX_VALUE - 16) {
                throw new IOException(where + ": tensor '" + name + "' has " + n + " elements, more than a Java array holds");
            }
            return (int) n;
        }

        /** The raw_data of {@code n} values of {@code size} bytes, little-endian, read from its start. */
        private ByteBuffer rawValues(int n, int size) throws IOException {
            if ((long) n * size != raw.capacity()) {
                throw new IOException(where + ": tensor '" + name + "' has " + raw.capacity() + " bytes of raw_data but "
                        + "its dims " + java.util.Arrays.toString(dims) + " of " + typeName(dataType) + " need "
                        + (long) n * size + ": the file is corrupt");
            }
            return raw.duplicate().clear().order(ByteOrder.LITTLE_ENDIAN);
        }

        private float[] expect(float[] a, int n) throws IOException {
            float[] v = a == null ? new float[0] : a;
            if (v.length != n) {
                throw countMismatch(v.length, n);
            }
            return v;
        }

        private long[] expect(long[] a, int n) throws IOException {
            long[] v = a == null ? new long[0] : a;
            if (v.length != n) {
                throw countMismatch(v.length, n);
            }
            return v;
        }

        private IOException countMismatch(int have, int need) {
            return new IOException(where + ": tensor '" + name + "' holds " + have + " values but its dims "
                    + java.util.Arrays.toString(dims) + " need " + need + ": the file is corrupt");
        }

        @Override
        public String toString() {
            return name + " " + typeName(dataType) + java.util.Arrays.toString(dims);
        }
    }

    /**
     * A node attribute (AttributeProto); only the fields weight import reads.
     *
     * @param type AttributeProto.AttributeType: 1 float, 2 int, 3 string, 4 tensor, 6 floats, 7 ints
     */
    public record Attribute(String name, int type, float f, long i, String s, Tensor t, float[] floats, long[] ints) {
    }

    /** A graph node (NodeProto). */
    public record Node(String name, String opType, String domain, List<String> inputs, List<String> outputs,
                       Map<String, Attribute> attributes) {
        public String input(int index) {
            return index < inputs.size() ? inputs.get(index) : "";
        }

        public String output(int index) {
            return index < outputs.size() ? outputs.get(index) : "";
        }
    }

    public OnnxGraph {
        nodes = List.copyOf(nodes);
        initializers = Collections.unmodifiableMap(new LinkedHashMap<>(initializers));
        inputNames = List.copyOf(inputNames);
        outputNames = List.copyOf(outputNames);
    }

    /** The same model with other nodes and initializers (a rewrite of the graph). */
    OnnxGraph rewritten(List<Node> newNodes, Map<String, Tensor> newInitializers) {
        return new OnnxGraph(file, irVersion, producer, newNodes, newInitializers, inputNames, outputNames);
    }

    /** Reads the model file (held in memory: ONNX files with embedded weights are below 2 GB). */
    public static OnnxGraph read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file + (Files.exists(file) ? " is not a regular file"
                    : " does not exist; check the path"));
        }
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 16) {
            throw new IOException(file + ": " + size + " bytes; an ONNX protobuf is at most 2 GB (larger models keep "
                    + "their weights in external files, which graft does not read)");
        }
        byte[] bytes = Files.readAllBytes(file);
        return parse(file, bytes);
    }

    static OnnxGraph parse(Path file, byte[] bytes) throws IOException {
        Cursor model = new Cursor(bytes, 0, bytes.length, file, "ModelProto");
        long ir = -1;
        String producerName = "";
        String producerVersion = "";
        Cursor graph = null;
        while (model.more()) {
            int tag = model.tag();
            switch (tag >>> 3) {
                case 1 -> ir = model.varint(tag);
                case 2 -> producerName = model.string(tag);
                case 3 -> producerVersion = model.string(tag);
                case 7 -> graph = model.message(tag, "GraphProto");
                default -> model.skip(tag);
            }
        }
        if (graph == null) {
            throw new IOException(file + ": no graph in this file; it is not an ONNX model (or it is empty)");
        }
        List<Node> nodes = new ArrayList<>();
        Map<String, Tensor> inits = new LinkedHashMap<>();
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        while (graph.more()) {
            int tag = graph.tag();
            switch (tag >>> 3) {
                case 1 -> nodes.add(node(graph.message(tag, "NodeProto")));
                case 5 -> {
                    Tensor t = tensor(graph.message(tag, "TensorProto"));
                    if (inits.put(t.name(), t) != null) {
                        throw new IOException(file + ": two initializers are named '" + t.name() + "'");
                    }
                }
                case 15 -> throw new IOException(file + ": the graph has sparse initializers, which graft does not read");
                case 11 -> inputs.add(valueInfoName(graph.message(tag, "ValueInfoProto")));
                case 12 -> outputs.add(valueInfoName(graph.message(tag, "ValueInfoProto")));
                default -> graph.skip(tag);
            }
        }
        String producer = (producerName + " " + producerVersion).strip();
        return new OnnxGraph(file, ir, producer, nodes, inits, inputs, outputs);
    }

    private static String valueInfoName(Cursor c) throws IOException {
        String name = "";
        while (c.more()) {
            int tag = c.tag();
            if (tag >>> 3 == 1) {
                name = c.string(tag);
            } else {
                c.skip(tag);
            }
        }
        return name;
    }

    private static Node node(Cursor c) throws IOException {
        String name = "";
        String op = "";
        String domain = "";
        List<String> in = new ArrayList<>();
        List<String> out = new ArrayList<>();
        Map<String, Attribute> attrs = new LinkedHashMap<>();
        while (c.more()) {
            int tag = c.tag();
            switch (tag >>> 3) {
                case 1 -> in.add(c.string(tag));
                case 2 -> out.add(c.string(tag));
                case 3 -> name = c.string(tag);
                case 4 -> op = c.string(tag);
                case 7 -> domain = c.string(tag);
                case 5 -> {
                    Attribute a = attribute(c.message(tag, "AttributeProto"));
                    attrs.put(a.name(), a);
                }
                default -> c.skip(tag);
            }
        }
        return new Node(name, op, domain, List.copyOf(in), List.copyOf(out), Collections.unmodifiableMap(attrs));
    }

    private static Attribute attribute(Cursor c) throws IOException {
        String name = "";
        int type = 0;
        float f = 0;
        long i = 0;
        String s = null;
        Tensor t = null;
        FloatList floats = new FloatList();
        LongStream.Builder ints = LongStream.builder();
        while (c.more()) {
            int tag = c.tag();
            switch (tag >>> 3) {
                case 1 -> name = c.string(tag);
                case 20 -> type = (int) c.varint(tag);
                case 2 -> f = c.fixed32Float(tag);
                case 3 -> i = c.varint(tag);
                case 4 -> s = new String(c.bytes(tag), StandardCharsets.UTF_8);
                case 5 -> t = tensor(c.message(tag, "TensorProto"));
                case 7 -> c.repeatedFloat(tag, floats);
                case 8 -> c.repeatedVarint(tag, ints);
                default -> c.skip(tag);
            }
        }
        return new Attribute(name, type, f, i, s, t, floats.toArray(), ints.build().toArray());
    }

    private static Tensor tensor(Cursor c) throws IOException {
        String name = "";
        int dataType = 0;
        LongStream.Builder dims = LongStream.builder();
        int rawOffset = 0;
        int rawLength = -1;
        FloatList floatData = null;
        LongStream.Builder intData = null;
        List<Double> doubles = null;
        boolean external = false;
        while (c.more()) {
            int tag = c.tag();
            switch (tag >>> 3) {
                case 1 -> c.repeatedVarint(tag, dims);
                case 2 -> dataType = (int) c.varint(tag);
                case 4 -> {
                    floatData = floatData == null ? new FloatList() : floatData;
                    c.repeatedFloat(tag, floatData);
                }
                case 5, 7 -> {
                    intData = intData == null ? LongStream.builder() : intData;
                    c.repeatedVarint(tag, intData);
                }
                case 8 -> name = c.string(tag);
                case 9 -> {
                    int[] span = c.span(tag);
                    rawOffset = span[0];
                    rawLength = span[1];
                }
                case 10 -> {
                    doubles = doubles == null ? new ArrayList<>() : doubles;
                    c.repeatedDouble(tag, doubles);
                }
                case 14 -> external = c.varint(tag) == 1;
                case 3 -> throw new IOException(c.where() + ": tensor '" + name + "' is split into segments, which "
                        + "graft does not read");
                default -> c.skip(tag);
            }
        }
        double[] dd = null;
        if (doubles != null) {
            dd = new double[doubles.size()];
            for (int k = 0; k < dd.length; k++) {
                dd[k] = doubles.get(k);
            }
        }
        ByteBuffer raw = rawLength < 0 ? null
                : ByteBuffer.wrap(c.bytes, rawOffset, rawLength).slice().asReadOnlyBuffer();
        return new Tensor(name, dataType, dims.build().toArray(), raw, floatData == null ? null : floatData.toArray(),
                intData == null ? null : intData.build().toArray(), dd, external, c.file.toString());
    }

    static String typeName(int dataType) {
        return switch (dataType) {
            case FLOAT -> "float32";
            case 2 -> "uint8";
            case 3 -> "int8";
            case 4 -> "uint16";
            case 5 -> "int16";
            case INT32 -> "int32";
            case INT64 -> "int64";
            case 8 -> "string";
            case 9 -> "bool";
            case FLOAT16 -> "float16";
            case DOUBLE -> "float64";
            case BFLOAT16 -> "bfloat16";
            default -> "data type " + dataType;
        };
    }

    private static int bytesPer(int dataType) {
        return switch (dataType) {
            case FLOAT, INT32 -> 4;
            case INT64, DOUBLE -> 8;
            case FLOAT16, BFLOAT16 -> 2;
            case INT8, UINT8 -> 1;
            default -> throw new IllegalArgumentException(typeName(dataType));
        };
    }

    /** A position in one length-delimited protobuf message. */
    private static final class Cursor {
        final byte[] bytes;
        final Path file;
        final String message;
        int pos;
        final int limit;

        Cursor(byte[] bytes, int start, int limit, Path file, String message) {
            this.bytes = bytes;
            this.pos = start;
            this.limit = limit;
            this.file = file;
            this.message = message;
        }

        String where() {
            return file + " (" + message + " at byte " + pos + ")";
        }

        boolean more() {
            return pos < limit;
        }

        int tag() throws IOException {
            long t = rawVarint();
            if (t >>> 3 == 0 || t > Integer.MAX_VALUE) {
                throw corrupt("invalid field tag " + t);
            }
            return (int) t;
        }

        private IOException corrupt(String what) {
            return new IOException(where() + ": " + what + "; the file is truncated or not an ONNX model");
        }

        private long rawVarint() throws IOException {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= limit) {
                    throw corrupt("a number runs past the end of its message");
                }
                byte b = bytes[pos++];
                result |= (long) (b & 0x7f) << shift;
                if (b >= 0) {
                    return result;
                }
            }
            throw corrupt("a number is longer than 10 bytes");
        }

        private void wire(int tag, int expected) throws IOException {
            if ((tag & 7) != expected) {
                throw corrupt("field " + (tag >>> 3) + " has wire type " + (tag & 7) + ", expected " + expected);
            }
        }

        long varint(int tag) throws IOException {
            wire(tag, 0);
            return rawVarint();
        }

        float fixed32Float(int tag) throws IOException {
            wire(tag, 5);
            return Float.intBitsToFloat(rawFixed32());
        }

        private int rawFixed32() throws IOException {
            need(4);
            int v = (bytes[pos] & 0xff) | (bytes[pos + 1] & 0xff) << 8 | (bytes[pos + 2] & 0xff) << 16
                    | (bytes[pos + 3] & 0xff) << 24;
            pos += 4;
            return v;
        }

        private long rawFixed64() throws IOException {
            long lo = rawFixed32() & 0xffffffffL;
            long hi = rawFixed32() & 0xffffffffL;
            return lo | hi << 32;
        }

        private void need(long n) throws IOException {
            if (n < 0 || pos + n > limit) {
                throw corrupt("a field of " + n + " bytes runs past the end of its message");
            }
        }

        /** {offset, length} of a length-delimited field, skipping it. */
        int[] span(int tag) throws IOException {
            wire(tag, 2);
            long len = rawVarint();
            need(len);
            int[] s = {pos, (int) len};
            pos += (int) len;
            return s;
        }

        byte[] bytes(int tag) throws IOException {
            int[] s = span(tag);
            return java.util.Arrays.copyOfRange(bytes, s[0], s[0] + s[1]);
        }

        String string(int tag) throws IOException {
            int[] s = span(tag);
            return new String(bytes, s[0], s[1], StandardCharsets.UTF_8);
        }

        Cursor message(int tag, String type) throws IOException {
            int[] s = span(tag);
            return new Cursor(bytes, s[0], s[0] + s[1], file, type);
        }

        /** A repeated varint field, packed (wire type 2) or not (wire type 0). */
        void repeatedVarint(int tag, LongStream.Builder into) throws IOException {
            if ((tag & 7) == 2) {
                Cursor packed = message(tag, message);
                while (packed.more()) {
                    into.add(packed.rawVarint());
                }
            } else {
                into.add(varint(tag));
            }
        }

        void repeatedFloat(int tag, FloatList into) throws IOException {
            if ((tag & 7) == 2) {
                ByteBuffer b = packedFixed(tag, Float.BYTES, "floats");
                while (b.hasRemaining()) {
                    into.add(b.getFloat());
                }
            } else {
                into.add(fixed32Float(tag));
            }
        }

        void repeatedDouble(int tag, List<Double> into) throws IOException {
            if ((tag & 7) == 2) {
                ByteBuffer b = packedFixed(tag, Double.BYTES, "doubles");
                while (b.hasRemaining()) {
                    into.add(b.getDouble());
                }
            } else {
                wire(tag, 1);
                into.add(Double.longBitsToDouble(rawFixed64()));
            }
        }

        /** A packed field of fixed-width little-endian values, its length checked to hold whole values. */
        private ByteBuffer packedFixed(int tag, int width, String what) throws IOException {
            int[] s = span(tag);
            if (s[1] % width != 0) {
                throw corrupt("packed " + what + " of " + s[1] + " bytes");
            }
            return ByteBuffer.wrap(bytes, s[0], s[1]).order(ByteOrder.LITTLE_ENDIAN);
        }

        void skip(int tag) throws IOException {
            switch (tag & 7) {
                case 0 -> rawVarint();
                case 1 -> {
                    need(8);
                    pos += 8;
                }
                case 2 -> span(tag);
                case 5 -> {
                    need(4);
                    pos += 4;
                }
                default -> throw corrupt("field " + (tag >>> 3) + " has unsupported wire type " + (tag & 7));
            }
        }
    }

    private static final class FloatList {
        float[] a = new float[4];
        int n;

        void add(float v) {
            if (n == a.length) {
                a = java.util.Arrays.copyOf(a, 2 * n);
            }
            a[n++] = v;
        }

        float[] toArray() {
            return java.util.Arrays.copyOf(a, n);
        }
    }
}
