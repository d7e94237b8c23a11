/// The firstcome release this binary was built from.
public enum FirstComeVersion {
    public static let string = "0.1.0"
}
