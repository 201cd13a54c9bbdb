from django.apps import AppConfig


class SynthConfig(AppConfig):
    name = "carepath.synth"
    label = "synth"
    verbose_name = "Synthetic authority generator"
