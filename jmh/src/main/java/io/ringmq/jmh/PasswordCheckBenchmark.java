package io.ringmq.jmh;

import io.ringmq.transport.auth.password.PasswordHash;
import io.ringmq.transport.auth.password.Pbkdf2;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;

/**
 * What one CONNECT with a password costs the authentication pool: a Mosquitto {@code $7$} entry (PBKDF2-HMAC-SHA512,
 * 101 iterations) checked by {@link PasswordHash#matches}, the broker's PBKDF2 over raw bytes, and the JDK's own
 * {@code PBKDF2WithHmacSHA512} for the same derivation as the yardstick. Measured here: about 70 us each (2026-12,
 * JDK 17); precomputing the HMAC pad states by cloning the digests gained nothing (a SHA-512 clone copies its
 * 80-word schedule), so the broker uses {@code Mac}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class PasswordCheckBenchmark
{
    private static final byte[] PASSWORD = "correct horse battery staple".getBytes(StandardCharsets.UTF_8);
    private final byte[] salt = new byte[12];
    private PasswordHash entry;
    private SecretKeyFactory jdk;

    /**
     * Make the entry and the JDK's factory.
     *
     * @throws Exception if PBKDF2WithHmacSHA512 is missing.
     */
    @Setup
    public void setUp() throws Exception
    {
        entry = PasswordHash.pbkdf2(PASSWORD, 101, new SecureRandom());
        jdk = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512");
    }

    /** @return true: the right password. */
    @Benchmark
    public boolean mosquittoEntry()
    {
        return entry.matches(PASSWORD);
    }

    /** @return the derived key, with the broker's PBKDF2 on bytes. */
    @Benchmark
    public byte[] derive()
    {
        return Pbkdf2.derive("HmacSHA512", PASSWORD, salt, 101, 64);
    }

    /**
     * @return the derived key, with the JDK's PBKDF2.
     * @throws Exception never.
     */
    @Benchmark
    public byte[] jdkDerive() throws Exception
    {
        return jdk.generateSecret(new PBEKeySpec(new String(PASSWORD, StandardCharsets.UTF_8).toCharArray(), salt,
            101, 512)).getEncoded();
    }
}
