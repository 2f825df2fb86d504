from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
def home(request): return redirect("recommendations:review_list")
def review_list(request): return HttpResponse("")
def review_detail(request, slug): return HttpResponse("")
def recommendation_detail(request, slug, label): return HttpResponse("")
