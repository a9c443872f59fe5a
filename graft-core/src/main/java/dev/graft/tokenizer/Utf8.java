package dev.graft.tokenizer;

/**
 * UTF-8 and UTF-16 repair the way the reference (Rust) does it.
 *
 * <p>{@link #decodeLossy} replaces each maximal ill-formed subsequence by one U+FFFD, the
 * practice the Unicode Standard recommends (chapter 3, "U+FFFD Substitution of Maximal
 * Subparts") and Rust's {@code String::from_utf8_lossy} follows. {@link #replaceLoneSurrogates}
 * does the same for Java strings, whose lone surrogates have no UTF-8 form.
 */
final class Utf8 {
    private Utf8() {
    }

    static String decodeLossy(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length);
        int n = b.length;
        int i = 0;
        while (i < n) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                sb.append((char) c);
                i++;
                continue;
            }
            int need;
            int lo = 0x80;
            int hi = 0xBF;
            int cp;
            if (c >= 0xC2 && c <= 0xDF) {
                need = 1;
                cp = c & 0x1F;
            } else if (c >= 0xE0 && c <= 0xEF) {
                need = 2;
                cp = c & 0x0F;
                if (c == 0xE0) {
                    lo = 0xA0;
                } else if (c == 0xED) {
                    hi = 0x9F;
                }
            } else if (c >= 0xF0 && c <= 0xF4) {
                need = 3;
                cp = c & 0x07;
                if (c == 0xF0) {
                    lo = 0x90;
                } else if (c == 0xF4) {
                    hi = 0x8F;
                }
            } else {
                sb.append('\uFFFD');
                i++;
                continue;
            }
            int j = i + 1;
            boolean ok = true;
            for (int k = 0; k < need; k++, j++) {
                if (j >= n) {
                    ok = false;
                    break;
                }
                int d = b[j] & 0xFF;
                int l = k == 0 ? lo : 0x80;
                int h = k == 0 ? hi : 0xBF;
                if (d < l || d > h) {
                    ok = false;
                    break;
                }
                cp = (cp << 6) | (d & 0x3F);
            }
            if (ok) {
                sb.appendCodePoint(cp);
            } else {
                sb.append('\uFFFD');
            }
            i = j;
        }
        return sb.toString();
    }

    /** {@code s} with every unpaired surrogate replaced by U+FFFD (same length, same offsets). */
    static String replaceLoneSurrogates(String s) {
        int n = s.length();
        char[] out = null;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                if (out == null) {
                    out = s.toCharArray();
                }
                out[i] = '\uFFFD';
            }
        }
        return out == null ? s : new String(out);
    }
}
