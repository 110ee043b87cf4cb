from django.db import models


class Technique(models.Model):
    class Category(models.TextChoices):
        RELAXATION = "relaxation", "Relaxation"
        CLINICAL = "clinical", "Clinical / therapeutic"
        SPORTS = "sports", "Sports and movement"
        SPECIALTY = "specialty", "Specialty"

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    category = models.CharField(max_length=20, choices=Category.choices)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name
