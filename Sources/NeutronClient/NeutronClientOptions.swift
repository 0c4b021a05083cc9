import NimbusKernel

/// nova.conf's `[neutron]` options: where Nova's side finds the Networking API and how it authenticates.
/// Unset, the all-in-one uses its built-in service and logs in to its built-in identity as the admin.
public enum NeutronClientOptions {
    public static let url = TypedOption<String?>(
        "neutron", "url",
        help: "An external Neutron endpoint; when set Nimbus serves no Networking API and the catalog names it.")
    public static let authURL = TypedOption<String?>("neutron", "auth_url",
                                                     help: "Keystone for the service user Nova talks to Neutron as.")
    public static let username = TypedOption<String?>("neutron", "username")
    public static let password = TypedOption<String?>("neutron", "password")
    public static let projectName = TypedOption<String>("neutron", "project_name", default: "service")
    public static let userDomainName = TypedOption<String>("neutron", "user_domain_name", default: "Default")
    public static let projectDomainName = TypedOption<String>("neutron", "project_domain_name", default: "Default")
    public static let timeout = TypedOption<Int>("neutron", "timeout", default: 30,
                                                 help: "Seconds a Neutron request may take.")

    public static let all: [ConfigOption] = ([
        url, authURL, username, password, projectName, userDomainName, projectDomainName, timeout,
    ] as [any AnyTypedOption]).map(\.declaration)
}
