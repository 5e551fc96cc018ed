using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Configuration;

/// <summary>
/// Binds an options class to its settings section and validates it at start-up (data annotations and
/// <see cref="IValidatableObject"/>), with every failure naming the app setting to fix (<c>Detection__LookBack: ...</c>)
/// rather than the C# member.
/// </summary>
internal static class SettingsValidation
{
    public static OptionsBuilder<T> AddValidatedSettings<T>(this IServiceCollection services, IConfiguration configuration, string section)
        where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new SettingsValidator<T>(section));
        return services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateOnStart();
    }

    private sealed class SettingsValidator<T>(string section) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var results = new List<ValidationResult>();
            if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true)) return ValidateOptionsResult.Success;
            return ValidateOptionsResult.Fail(results.Select(Describe));
        }

        private string Describe(ValidationResult result)
        {
            var settings = result.MemberNames.Select(member => SettingNames.ToEnvironmentForm($"{section}:{member}")).ToList();
            return settings.Count == 0 ? result.ErrorMessage ?? "invalid" : $"{string.Join(", ", settings)}: {result.ErrorMessage}";
        }
    }
}
