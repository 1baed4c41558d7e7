// Non-ASCII text in comments is allowed: café, naïve, π ≈ 3.14159, 渲染, ✓.
/* A block comment with emoji 🌀
   spread over two lines. */
void mainImage(out vec4 fragColor, in vec2 fragCoord) // définition ✓
{
    fragColor = vec4(fragCoord / iResolution.xy, 0.0, 1.0);
}
