namespace Mirror.Caching;

/// <summary>
/// Thrown to a reader whose fill failed after bytes were promised. The only right answer for the client is an
/// aborted connection: a body that ends early with a complete-looking status would be a corrupt layer.
/// </summary>
public sealed class FillFailedException(string message) : Exception(message);
