import NimbusKernel

/// Options the conductor reads.
public enum ConductorOptions {
    /// Nova's `[DEFAULT] resize_confirm_window` (Nova's destination compute polls; Nimbus's conductor, which has
    /// the database, confirms for it): seconds after which a resize waiting in VERIFY_RESIZE is confirmed.
    public static let resizeConfirmWindow = TypedOption<Int>(
        "DEFAULT", "resize_confirm_window", default: 0,
        help: "Automatically confirm resizes after this many seconds; 0 = never.")

    public static let all: [ConfigOption] = ([resizeConfirmWindow] as [any AnyTypedOption]).map(\.declaration)
}
